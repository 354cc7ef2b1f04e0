package cloud.locci.proxy.core.tracing.otel;

import cloud.locci.proxy.core.forward.Reason;
import cloud.locci.proxy.core.tracing.AttemptSpan;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.vertx.core.MultiMap;

/** A client span: one try on one upstream server. */
final class OtelAttemptSpan implements AttemptSpan {

  private static final String TRACESTATE = "tracestate";

  private final Span span;
  private boolean ended;

  OtelAttemptSpan(Span span) {
    this.span = span;
  }

  @Override
  public void inject(MultiMap upstreamHeaders) {
    // The client's tracestate belongs with the client's traceparent: it goes on only through our span
    // context (which inherited it when that traceparent was valid).
    upstreamHeaders.remove(TRACESTATE);
    OtelTracer.W3C.inject(Context.root().with(span), upstreamHeaders, OtelTracer.SETTER);
  }

  @Override
  public void answered(int status) {
    span.setAttribute(Attr.STATUS, (long) status);
    // OpenTelemetry's HTTP conventions: a client span is an error from 400 on.
    if (status >= 400) {
      span.setAttribute(Attr.ERROR_TYPE, Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    }
  }

  @Override
  public void failed(Reason reason) {
    span.setAttribute(Attr.REASON, reason.word());
    span.setAttribute(Attr.ERROR_TYPE, reason.word());
    span.setStatus(StatusCode.ERROR, reason.word());
  }

  @Override
  public void end() {
    if (!ended) {
      ended = true;
      span.end();
    }
  }
}
