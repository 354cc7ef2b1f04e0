package cloud.locci.proxy.core;

import cloud.locci.proxy.core.acme.AcmeVerticle;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerConfig.ListenerTls;
import cloud.locci.proxy.core.forward.ExchangeListener;
import cloud.locci.proxy.core.health.HealthCheckVerticle;
import cloud.locci.proxy.core.tracing.TracingVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Deploys what serves traffic, in the order it depends on, for the launcher and the tests alike: the
 * config verticle; then what the caller adds ({@link #before}: cluster, metrics); the health checker
 * and the tracing verticle (so each proxy instance starts from the checker's view and traces its first
 * request); the ACME verticle (a TLS listener with ACME starts from the store's certificates); then one
 * {@link ProxyVerticle} per instance, all sharing one {@link Snapshots}; and finally announces
 * {@link Addresses#PROXY_LISTENING}.
 */
public final class ProxyStack {

  private final Vertx vertx;
  private final ProxyConfig config;
  private final ProxyMode<?> mode;
  private Optional<Path> file = Optional.empty();
  private ConfigOverrides overrides = ConfigOverrides.none();
  private int instances = 1;
  private final List<ExchangeListener> listeners = new ArrayList<>();
  private Function<ConfigVerticle, Future<?>> before = cv -> Future.succeededFuture();
  private boolean acmeAlways = true;
  private boolean changesAnsweredElsewhere;

  private ConfigVerticle configVerticle;
  private final List<ProxyVerticle<?>> proxies = new CopyOnWriteArrayList<>();
  private String proxyDeploymentId;

  private ProxyStack(Vertx vertx, ProxyConfig config, ProxyMode<?> mode) {
    this.vertx = Objects.requireNonNull(vertx);
    this.config = Objects.requireNonNull(config);
    this.mode = Objects.requireNonNull(mode);
  }

  /** A stack serving {@code config} in {@code mode}; nothing is deployed before {@link #deploy()}. */
  public static ProxyStack of(Vertx vertx, ProxyConfig config, ProxyMode<?> mode) {
    return new ProxyStack(vertx, config, mode);
  }

  /** The file reloads read (SIGHUP, {@code POST /api/v1/reload}); none by default. */
  public ProxyStack file(Optional<Path> file) {
    this.file = file;
    return this;
  }

  /** Command-line overrides applied to every version read from the file; none by default. */
  public ProxyStack overrides(ConfigOverrides overrides) {
    this.overrides = overrides;
    return this;
  }

  /** The number of proxy instances (one per event loop); 1 by default. */
  public ProxyStack instances(int n) {
    this.instances = Math.max(1, n);
    return this;
  }

  /** Adds a listener of finished exchanges to every instance, heard after those added before. */
  public ProxyStack listener(ExchangeListener l) {
    listeners.add(l);
    return this;
  }

  /** What to deploy right after the config verticle (cluster membership, metrics); nothing by default. */
  public ProxyStack before(Function<ConfigVerticle, Future<?>> step) {
    this.before = step;
    return this;
  }

  /**
   * Whether the ACME verticle is deployed even when the config has no ACME listener (true by default,
   * as the launcher does: a reload may turn ACME on). Tests that run several stacks in one Vert.x say
   * false: each extra requester of the current config would shift which config verticle answers.
   */
  public ProxyStack acmeAlways(boolean always) {
    this.acmeAlways = always;
    return this;
  }

  /** Config changes are answered by the cluster, not the local config verticle. */
  public ProxyStack changesAnsweredElsewhere() {
    this.changesAnsweredElsewhere = true;
    return this;
  }

  /** Deploys everything; completes once every proxy instance listens. */
  public Future<ProxyStack> deploy() {
    configVerticle = new ConfigVerticle(config, file, overrides);
    if (changesAnsweredElsewhere) {
      configVerticle.changesAnsweredElsewhere();
    }
    var make = ProxyVerticle.instances(mode);
    boolean acme = acmeAlways || config.server().tls().flatMap(ListenerTls::acme).isPresent();
    return vertx.deployVerticle(configVerticle)
        .compose(id -> before.apply(configVerticle))
        .compose(id -> vertx.deployVerticle(new HealthCheckVerticle()))
        .compose(id -> vertx.deployVerticle(new TracingVerticle()))
        .compose(id -> acme ? vertx.deployVerticle(new AcmeVerticle(), AcmeVerticle.deploymentOptions())
            : Future.succeededFuture(id))
        .compose(id -> vertx.deployVerticle(() -> {
          ProxyVerticle<?> v = make.get();
          listeners.forEach(v::exchangeListener);
          proxies.add(v);
          return v;
        }, new DeploymentOptions().setInstances(instances)))
        .map(id -> {
          proxyDeploymentId = id;
          vertx.eventBus().publish(Addresses.PROXY_LISTENING, null);
          return this;
        });
  }

  /** The port the proxy listens on (the real one when the config said 0). */
  public int port() {
    return proxies.get(0).actualPort();
  }

  public ConfigVerticle configVerticle() {
    return configVerticle;
  }

  /** The proxy instances, one per event loop. */
  public List<ProxyVerticle<?>> proxies() {
    return proxies;
  }

  /** The deployment id of the proxy instances (undeploying it stops serving). */
  public String proxyDeploymentId() {
    return proxyDeploymentId;
  }
}
