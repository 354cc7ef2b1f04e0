package cloud.locci.proxy.core.tracing.otel;

import cloud.locci.proxy.core.config.TracingConfig;
import cloud.locci.proxy.core.tracing.ExchangeTracer;
import cloud.locci.proxy.core.tracing.RequestSpan;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;

/**
 * The OpenTelemetry SDK behind {@link ExchangeTracer}: W3C trace context, a parent-based ratio sampler,
 * and a {@link BatchSpanProcessor} that exports to the OTLP/HTTP endpoint (protobuf) from its own
 * thread. Ending a span only offers it to the processor's bounded lock-free queue; when the queue is
 * full (collector slow or down) the span is dropped and counted, never waited for.
 *
 * <p>Loaded by name from {@link cloud.locci.proxy.core.tracing.TracingVerticle} only when tracing is
 * enabled, on a worker thread: nothing else refers to this package, so with tracing off no
 * OpenTelemetry class is loaded.
 */
public final class OtelTracer implements ExchangeTracer {

  /** Spans waiting for export; more are dropped. With the batch in flight at most 2560 spans are held. */
  static final int MAX_QUEUE = 2048;
  static final int MAX_BATCH = 512;
  /** A batch leaves at least this often (sooner when MAX_BATCH spans are waiting). */
  static final Duration SCHEDULE_DELAY = Duration.ofSeconds(1);
  /** One export, retries included; the queue fills (and drops) meanwhile when the collector is down. */
  static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(10);
  /** Attribute values (paths above all) are cut to this many characters: a client controls them. */
  static final int MAX_ATTRIBUTE_LENGTH = 1024;

  static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

  static final TextMapGetter<MultiMap> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(MultiMap carrier) {
      return carrier.names();
    }

    @Override
    public String get(MultiMap carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  static final TextMapSetter<MultiMap> SETTER = (carrier, key, value) -> {
    if (carrier != null) {
      carrier.set(key, value);
    }
  };

  private final SdkTracerProvider provider;
  private final SdkMeterProvider meters;
  private final DroppedSpans dropped;
  private final Tracer tracer;
  private volatile long droppedAtClose = -1;

  private OtelTracer(SdkTracerProvider provider, SdkMeterProvider meters, DroppedSpans dropped) {
    this.provider = provider;
    this.meters = meters;
    this.dropped = dropped;
    this.tracer = provider.get("cloud.locci.proxy");
  }

  /**
   * Builds the SDK for {@code config} (which must be valid). Called reflectively, off the event loops:
   * it loads classes and starts the processor's thread.
   */
  public static ExchangeTracer create(TracingConfig config) {
    JulToSlf4j.install();
    DroppedSpans dropped = new DroppedSpans();
    SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(dropped).build();
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint(config.otlpEndpoint())
        .setTimeout(EXPORT_TIMEOUT)
        .setMeterProvider(MeterProvider.noop())
        .build();
    BatchSpanProcessor batches = BatchSpanProcessor.builder(exporter)
        .setMaxQueueSize(MAX_QUEUE)
        .setMaxExportBatchSize(MAX_BATCH)
        .setScheduleDelay(SCHEDULE_DELAY)
        .setExporterTimeout(EXPORT_TIMEOUT)
        // The processor counts what it drops in otel.sdk.processor.span.processed{error.type}.
        .setMeterProvider(meters)
        .setInternalTelemetryVersion(InternalTelemetryVersion.LATEST)
        .build();
    Resource resource = Resource.getDefault().merge(Resource.create(
        Attributes.of(AttributeKey.stringKey("service.name"), config.serviceName())));
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(resource)
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
        .setSpanLimits(SpanLimits.builder().setMaxAttributeValueLength(MAX_ATTRIBUTE_LENGTH).build())
        .addSpanProcessor(batches)
        .build();
    OtelTracer created = new OtelTracer(provider, meters, dropped);
    created.warmUp();
    return created;
  }

  /**
   * Runs the per-request path once here, on the worker thread that builds the tracer, so that the
   * classes it needs are loaded before the first request (class loading on an event loop is I/O). The
   * span continues an unsampled parent, so the parent-based sampler drops it: nothing is exported.
   */
  private void warmUp() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
        .set("tracestate", "warm=up");
    Context parent = W3C.extract(Context.root(), headers, GETTER);
    Span server = tracer.spanBuilder("GET").setParent(parent).setSpanKind(SpanKind.SERVER)
        .setAttribute(Attr.METHOD, "GET").startSpan();
    OtelAttemptSpan client = new OtelAttemptSpan(tracer.spanBuilder("GET").setParent(Context.root().with(server))
        .setSpanKind(SpanKind.CLIENT).setAttribute(Attr.SERVER_PORT, 1L).startSpan());
    client.inject(headers);
    client.answered(200);
    client.end();
    server.setAttribute(Attr.STATUS, 200L);
    server.end();
  }

  @Override
  public RequestSpan begin(HttpServerRequest request) {
    Context parent = W3C.extract(Context.root(), request.headers(), GETTER);
    String method = request.method() == null ? "_OTHER" : request.method().name();
    String path = request.path();
    SocketAddress client = request.remoteAddress();
    Span span = tracer.spanBuilder(method)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute(Attr.METHOD, method)
        .setAttribute(Attr.PATH, path == null ? "" : path)
        .setAttribute(Attr.CLIENT_IP, client == null ? "" : client.hostAddress())
        .startSpan();
    return new OtelRequestSpan(tracer, span, method);
  }

  @Override
  public long droppedSpans() {
    long atClose = droppedAtClose;
    return atClose >= 0 ? atClose : dropped.count();
  }

  @Override
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    provider.shutdown().whenComplete(() -> {
      droppedAtClose = dropped.count();
      meters.shutdown();
      done.complete();
    });
    return done.future();
  }
}
