package cloud.locci.proxy.core.tracing;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Starts the trace of each request the proxy serves. The proxy calls it once per request, on the
 * request's event loop, before anything else reads the request; it must not block and must not fail.
 *
 * <p>{@link #NONE} (tracing off) does nothing and loads no tracing library. The OpenTelemetry
 * implementation is loaded by {@link TracingVerticle} only when {@code tracing.enabled} is true.
 */
public interface ExchangeTracer {

  /** Tracing off: no span, no header touched, no trace id in the access log. */
  ExchangeTracer NONE = new ExchangeTracer() {
    @Override
    public RequestSpan begin(HttpServerRequest request) {
      return RequestSpan.NONE;
    }

    @Override
    public long droppedSpans() {
      return 0;
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  };

  /**
   * The server span of {@code request}: continues the trace of its {@code traceparent} when it has a
   * valid one, else starts a new trace (recorded or not by the sampler).
   */
  RequestSpan begin(HttpServerRequest request);

  /** Spans ended but never exported because the export queue was full (or the tracer already closed). */
  long droppedSpans();

  /**
   * Stops this tracer: spans already queued are exported (within the exporter's timeout), later ones
   * dropped. Never blocks the caller; the future completes when the last export is over.
   */
  Future<Void> close();
}
