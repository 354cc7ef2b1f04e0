package cloud.locci.proxy.control;

import cloud.locci.proxy.core.TrafficCounters;
import cloud.locci.proxy.core.acme.CertificateSet;
import cloud.locci.proxy.core.acme.CurrentCertificates;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.bus.ReloadOutcome;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.health.HealthReport;
import cloud.locci.proxy.core.mirror.Mirrors;
import cloud.locci.proxy.core.tracing.TracingSwitch;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Feeds the meters that follow events rather than requests (one instance per process, deployed after
 * the config verticle): the health gauges from {@link HealthReport} and {@link HealthChanged}, the set
 * of servers from each config version, the reload counter, the active-connections gauge and the
 * dropped-spans counter.
 */
public final class MetricsVerticle extends VerticleBase {

  private final ProxyMetrics metrics;
  private long version;

  public MetricsVerticle(ProxyMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx, VersionedConfig.class);
    LocalCodec.register(vertx, HealthChanged.class);
    LocalCodec.register(vertx, HealthReport.class);
    LocalCodec.register(vertx, ReloadOutcome.class);
    LocalCodec.register(vertx, CertificateSet.class);
    metrics.trackConnections(TrafficCounters.of(vertx));
    metrics.trackTracing(TracingSwitch.of(vertx));
    return Future.all(
            vertx.eventBus().<VersionedConfig>consumer(Addresses.CONFIG_CHANGED, m -> config(m.body())).completion(),
            vertx.eventBus().<HealthChanged>consumer(Addresses.HEALTH_CHANGED, m -> {
              HealthChanged c = m.body();
              metrics.health(c.upstream(), c.server(), c.healthy());
            }).completion(),
            // Each new certificate set follows a change of the certificates held: expiry gauges follow it.
            vertx.eventBus().<CertificateSet>consumer(Addresses.CERTIFICATES_CHANGED,
                m -> metrics.acme(CurrentCertificates.of(vertx).status())).completion(),
            vertx.eventBus().<ReloadOutcome>consumer(Addresses.CONFIG_RELOADED,
                m -> metrics.reloaded(m.body().succeeded())).completion())
        .compose(v -> vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_GET, null))
        .onSuccess(reply -> config(reply.body()))
        .compose(v -> vertx.eventBus().<HealthReport>request(Addresses.HEALTH_GET, null)
            .onSuccess(reply -> reply.body().servers()
                .forEach(s -> metrics.health(s.upstream(), s.server(), s.healthy())))
            // No health checker deployed: every server counts as healthy, as the proxies assume.
            .otherwise(err -> null));
  }

  private void config(VersionedConfig next) {
    if (next.version() > version) {
      version = next.version();
      metrics.servers(next.config());
      metrics.mirrors(next.config(), Mirrors.of(vertx));
    }
  }
}
