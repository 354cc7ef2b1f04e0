package cloud.locci.proxy.core.tracing;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.CurrentConfig;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.TracingConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the process's {@link TracingSwitch} in line with the {@code tracing} section: at start and on
 * every config version whose {@code tracing} differs, it builds the new tracer on a worker thread
 * (loading the OpenTelemetry implementation by name the first time tracing is enabled), swaps it in,
 * and closes the old one {@link #RETIRE_AFTER_MS} later so that requests still in flight end their
 * spans on it. One instance per process, deployed after the config verticle and before the proxies.
 */
public final class TracingVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(TracingVerticle.class);

  /** The only place that names the implementation; nothing else refers to its package. */
  static final String IMPLEMENTATION = "cloud.locci.proxy.core.tracing.otel.OtelTracer";
  /** How long a replaced tracer stays open for the requests that started on it. */
  static final long RETIRE_AFTER_MS = TimeUnit.SECONDS.toMillis(30);
  /** At shutdown, how long the last queued spans may take to leave. */
  private static final long FLUSH_AT_STOP_MS = TimeUnit.SECONDS.toMillis(3);

  private TracingSwitch tracing;
  private TracingConfig applied = TracingConfig.defaults();
  private long version;
  /** Changes are applied one after the other, in version order. */
  private Future<Void> applying = Future.succeededFuture();

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx, VersionedConfig.class);
    tracing = TracingSwitch.of(vertx);
    // The current version is read from the process-wide holder, not asked for on the event bus: a
    // request there would take a turn of the config verticles' round robin (tests deploy several).
    return vertx.eventBus().<VersionedConfig>consumer(Addresses.CONFIG_CHANGED, m -> changed(m.body()))
        .completion()
        .compose(v -> {
          VersionedConfig current = CurrentConfig.of(vertx).get();
          return current == null ? Future.<Void>succeededFuture() : changed(current);
        });
  }

  @Override
  public Future<?> stop() {
    tracing.replace(ExchangeTracer.NONE);
    // Timers die with this verticle: whatever is still open (current or retiring) closes now.
    java.util.List<Future<Void>> closing = new java.util.ArrayList<>();
    tracing.retiring().forEach(t -> closing.add(close(t)));
    return Future.join(closing).timeout(FLUSH_AT_STOP_MS, TimeUnit.MILLISECONDS).otherwiseEmpty();
  }

  private Future<Void> changed(VersionedConfig next) {
    if (next.version() <= version) {
      return applying;
    }
    version = next.version();
    TracingConfig wanted = next.config().tracing();
    if (same(applied, wanted)) {
      return applying;
    }
    applied = wanted;
    applying = applying.transform(v -> apply(wanted));
    return applying;
  }

  /** Two settings that trace the same way: any two with tracing off are the same. */
  private static boolean same(TracingConfig a, TracingConfig b) {
    return a.equals(b) || !a.enabled() && !b.enabled();
  }

  private Future<Void> apply(TracingConfig wanted) {
    Future<ExchangeTracer> built = wanted.enabled()
        ? vertx.executeBlocking(() -> load(wanted))
        : Future.succeededFuture(ExchangeTracer.NONE);
    return built.map(next -> {
      ExchangeTracer previous = tracing.replace(next);
      if (wanted.enabled()) {
        log.info("tracing on: {} of new traces exported to {} as service {}", ratio(wanted.sampleRatio()),
            wanted.otlpEndpoint(), wanted.serviceName());
      } else {
        log.info("tracing off");
      }
      if (previous != ExchangeTracer.NONE) {
        vertx.setTimer(RETIRE_AFTER_MS, id -> close(previous));
      }
      return (Void) null;
    }).recover(err -> {
      log.error("tracing settings not applied, the previous ones stay: {}", err.toString());
      return Future.succeededFuture();
    });
  }

  private Future<Void> close(ExchangeTracer tracer) {
    if (tracer == ExchangeTracer.NONE) {
      return Future.succeededFuture();
    }
    return tracer.close().onComplete(ar -> tracing.closed(tracer));
  }

  private static ExchangeTracer load(TracingConfig config) throws ReflectiveOperationException {
    return (ExchangeTracer) Class.forName(IMPLEMENTATION)
        .getMethod("create", TracingConfig.class)
        .invoke(null, config);
  }

  private static String ratio(double r) {
    return r == 1 ? "all" : Math.round(r * 1000) / 10.0 + "%";
  }
}
