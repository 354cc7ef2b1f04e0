package cloud.locci.proxy.core.testing;

import cloud.locci.proxy.core.ConfigVerticle;
import cloud.locci.proxy.core.ProxyVerticle;
import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.health.HealthCheckVerticle;
import cloud.locci.proxy.core.tracing.TracingVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Deploys a config verticle, the health-check and tracing verticles and {@code instances} proxy verticles in one
 * Vert.x, as the launcher does, for tests. The proxy listens on the config's bind address (use port 0
 * in tests).
 */
public final class ProxyDeployment {

  private final ConfigVerticle configVerticle;
  private final List<ProxyVerticle<?>> proxies;
  private final String proxyDeploymentId;

  private ProxyDeployment(ConfigVerticle configVerticle, List<ProxyVerticle<?>> proxies, String proxyDeploymentId) {
    this.configVerticle = configVerticle;
    this.proxies = proxies;
    this.proxyDeploymentId = proxyDeploymentId;
  }

  /** Parses {@code yaml} (must be valid: the test fails fast otherwise). */
  public static ProxyConfig parse(String yaml) {
    try {
      return ConfigLoader.parse(yaml, "test.yaml", ConfigOverrides.none());
    } catch (ConfigException e) {
      throw new IllegalArgumentException("test config is invalid:\n" + e.getMessage(), e);
    }
  }

  public static Future<ProxyDeployment> deploy(Vertx vertx, ProxyConfig config,
      Supplier<? extends ProxyVerticle<?>> proxy, int instances) {
    return deploy(vertx, config, Optional.empty(), proxy, instances);
  }

  /** Like {@link #deploy(Vertx, ProxyConfig, Supplier, int)}, with reloads reading {@code file}. */
  public static Future<ProxyDeployment> deploy(Vertx vertx, ProxyConfig config, Optional<java.nio.file.Path> file,
      Supplier<? extends ProxyVerticle<?>> proxy, int instances) {
    ConfigVerticle cv = new ConfigVerticle(config, file, ConfigOverrides.none());
    List<ProxyVerticle<?>> created = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(cv)
        .compose(id -> vertx.deployVerticle(new HealthCheckVerticle()))
        .compose(id -> vertx.deployVerticle(new TracingVerticle()))
        .compose(id -> vertx.deployVerticle(() -> {
          ProxyVerticle<?> v = proxy.get();
          created.add(v);
          return v;
        }, new DeploymentOptions().setInstances(instances)))
        .map(id -> new ProxyDeployment(cv, created, id));
  }

  /** The port the proxy listens on. */
  public int port() {
    return proxies.get(0).actualPort();
  }

  public ConfigVerticle configVerticle() {
    return configVerticle;
  }

  public List<ProxyVerticle<?>> proxies() {
    return proxies;
  }

  public String proxyDeploymentId() {
    return proxyDeploymentId;
  }
}
