package cloud.locci.proxy.core.tracing.otel;

import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.tracing.AttemptSpan;
import cloud.locci.proxy.core.tracing.RequestSpan;
import cloud.locci.proxy.core.upstream.Backend;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.http.HttpServerResponse;

/** A server span; its attributes that are known only at the end are set then. */
final class OtelRequestSpan implements RequestSpan {

  /** Status of a request whose client left before any response head (nginx's 499), as the access log. */
  private static final int CLIENT_CLOSED = 499;

  private final Tracer tracer;
  private final Span span;
  private final String method;

  OtelRequestSpan(Tracer tracer, Span span, String method) {
    this.tracer = tracer;
    this.span = span;
    this.method = method;
  }

  @Override
  public String traceId() {
    return span.getSpanContext().getTraceId();
  }

  @Override
  public AttemptSpan attempt(Backend server, int attempt) {
    var builder = tracer.spanBuilder(method)
        .setParent(Context.root().with(span))
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute(Attr.METHOD, method)
        .setAttribute(Attr.SERVER_ADDRESS, server.address().host())
        .setAttribute(Attr.SERVER_PORT, (long) server.address().port())
        .setAttribute(Attr.SERVER, server.address().toString());
    if (attempt > 1) {
      builder.setAttribute(Attr.RESEND_COUNT, (long) attempt - 1);
    }
    return new OtelAttemptSpan(builder.startSpan());
  }

  @Override
  public void end(Exchange exchange) {
    if (span.isRecording()) {
      HttpServerResponse response = exchange.request().response();
      int status = response.headWritten() ? response.getStatusCode() : CLIENT_CLOSED;
      String route = exchange.route();
      if (!route.isEmpty()) {
        span.updateName(method + " " + route);
        span.setAttribute(Attr.ROUTE, route);
      }
      if (!exchange.upstream().isEmpty()) {
        span.setAttribute(Attr.UPSTREAM, exchange.upstream());
      }
      if (exchange.backend() != null) {
        span.setAttribute(Attr.SERVER, exchange.backend().address().toString());
      }
      span.setAttribute(Attr.STATUS, (long) status);
      if (exchange.reason() != null) {
        span.setAttribute(Attr.REASON, exchange.reason().word());
      }
      if (status >= 500) {
        String why = exchange.reason() == null ? Integer.toString(status) : exchange.reason().word();
        span.setAttribute(Attr.ERROR_TYPE, why);
        span.setStatus(StatusCode.ERROR, why);
      }
    }
    span.end();
  }
}
