package cloud.locci.proxy.core.tracing;

import cloud.locci.proxy.core.forward.Reason;
import io.vertx.core.MultiMap;

/**
 * The client span of one try of a request on one upstream server. Confined to the request's event
 * loop; no method may block or throw. {@link #end()} may be called more than once (only the first counts).
 */
public interface AttemptSpan {

  /** Tracing off: headers go upstream as the client sent them. */
  AttemptSpan NONE = new AttemptSpan() {
    @Override
    public void inject(MultiMap upstreamHeaders) {
    }

    @Override
    public void answered(int status) {
    }

    @Override
    public void failed(Reason reason) {
    }

    @Override
    public void end() {
    }
  };

  /**
   * Writes this span's context into the headers about to go upstream: {@code traceparent} naming this
   * span as parent, and {@code tracestate} when the trace has one (the client's is replaced).
   */
  void inject(MultiMap upstreamHeaders);

  /** The server answered with {@code status} (its response head arrived). */
  void answered(int status);

  /** The try failed before a response head, for {@code reason}. */
  void failed(Reason reason);

  /** The try is over (response relayed, failure handled, or the client left). */
  void end();
}
