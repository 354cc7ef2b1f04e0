package cloud.locci.proxy.core.testing;

import cloud.locci.proxy.core.ConfigVerticle;
import cloud.locci.proxy.core.ProxyMode;
import cloud.locci.proxy.core.ProxyStack;
import cloud.locci.proxy.core.ProxyVerticle;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.forward.ExchangeListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Deploys what the launcher deploys to serve traffic, with the launcher's own code ({@link ProxyStack}):
 * the config verticle, the health-check and tracing verticles, the ACME verticle when the config has an
 * ACME listener, and {@code instances} proxy verticles in one Vert.x. The proxy listens on the config's
 * bind address (use port 0 in tests).
 */
public final class ProxyDeployment {

  private final Vertx vertx;
  private final ProxyStack stack;

  private ProxyDeployment(Vertx vertx, ProxyStack stack) {
    this.vertx = vertx;
    this.stack = stack;
  }

  /** Parses {@code yaml} (must be valid: the test fails fast otherwise). */
  public static ProxyConfig parse(String yaml) {
    try {
      return ConfigLoader.parse(yaml, "test.yaml", ConfigOverrides.none());
    } catch (ConfigException e) {
      throw new IllegalArgumentException("test config is invalid:\n" + e.getMessage(), e);
    }
  }

  /**
   * Deploys {@code config} served by the mode {@code mode} makes (e.g. {@code LoadBalancerMode::new}),
   * every instance reporting finished exchanges to {@code listeners} (access log, metrics), in order.
   */
  public static Future<ProxyDeployment> deploy(Vertx vertx, ProxyConfig config,
      Supplier<? extends ProxyMode<?>> mode, int instances, ExchangeListener... listeners) {
    return deploy(vertx, config, Optional.empty(), mode, instances, listeners);
  }

  /** Like {@link #deploy(Vertx, ProxyConfig, Supplier, int)}, with reloads reading {@code file}. */
  public static Future<ProxyDeployment> deploy(Vertx vertx, ProxyConfig config, Optional<java.nio.file.Path> file,
      Supplier<? extends ProxyMode<?>> mode, int instances, ExchangeListener... listeners) {
    // ACME only when configured: several deployments may share one Vert.x in a test, and every extra
    // CONFIG_GET requester would shift which config verticle answers the proxies (round robin).
    ProxyStack stack = ProxyStack.of(vertx, config, mode.get()).file(file).instances(instances).acmeAlways(false);
    for (ExchangeListener l : listeners) {
      stack.listener(l);
    }
    return stack.deploy().map(deployed -> new ProxyDeployment(vertx, deployed));
  }

  /** The port the proxy listens on. */
  public int port() {
    return stack.port();
  }

  /**
   * Applies {@code candidate} as a reload would, and completes once every proxy instance serves it: the
   * config verticle's answer comes before the instances have compiled the new version, so a request
   * sent right after it may still be served by the previous one.
   */
  public Future<VersionedConfig> apply(ProxyConfig candidate) {
    return configVerticle().apply(candidate, "test").compose(applied ->
        Eventually.untilTrue(vertx, Duration.ofSeconds(10), "version " + applied.version() + " served",
            () -> proxies().stream().allMatch(p -> p.servingVersion() >= applied.version())).map(applied));
  }

  public ConfigVerticle configVerticle() {
    return stack.configVerticle();
  }

  public List<ProxyVerticle<?>> proxies() {
    return stack.proxies();
  }

  public String proxyDeploymentId() {
    return stack.proxyDeploymentId();
  }
}
