package cloud.locci.proxy.core.tracing;

import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.upstream.Backend;

/**
 * The server span of one request, held by its {@link cloud.locci.proxy.core.forward.Exchange}. Confined
 * to the request's event loop like the exchange; no method may block or throw.
 */
public interface RequestSpan {

  /** Tracing off (or not yet configured). */
  RequestSpan NONE = new RequestSpan() {
    @Override
    public String traceId() {
      return null;
    }

    @Override
    public AttemptSpan attempt(Backend server, int attempt) {
      return AttemptSpan.NONE;
    }

    @Override
    public void end(Exchange exchange) {
    }
  };

  /** The 32 hex digits of the trace id (recorded or not); null when tracing is off. */
  String traceId();

  /**
   * Starts the client span of one try on {@code server}, a child of this span.
   *
   * @param attempt 1 for the first try, 2 for the first retry, ...
   */
  AttemptSpan attempt(Backend server, int attempt);

  /**
   * Ends the span with what {@code exchange} ended with (route, upstream, server, status, reason).
   * Called once, when the response is over or the connection failed.
   */
  void end(Exchange exchange);
}
