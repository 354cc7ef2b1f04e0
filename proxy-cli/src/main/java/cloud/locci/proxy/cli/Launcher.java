package cloud.locci.proxy.cli;

import cloud.locci.proxy.control.ControlApiVerticle;
import cloud.locci.proxy.control.MetricsVerticle;
import cloud.locci.proxy.control.ProxyMetrics;
import cloud.locci.proxy.core.ProxyMode;
import cloud.locci.proxy.core.ProxyStack;
import cloud.locci.proxy.core.ProxyVerticle.ListenException;
import cloud.locci.proxy.core.TrafficCounters;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.ReloadOutcome;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.Mode;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.log.AccessLog;
import cloud.locci.proxy.lb.LoadBalancerMode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the process's verticles in order (config, metrics, health checks, tracing, proxies, control API
 * last)
 * on one Vert.x instance with the Prometheus metrics registry, and stops them gracefully. The
 * configuration must already be valid: nothing listens before that.
 */
final class Launcher {

  private static final Logger log = LoggerFactory.getLogger(Launcher.class);

  private final Vertx vertx;
  private final ProxyConfig config;
  private final int instances;
  private final ProxyMetrics metrics;
  private String logLevel;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private String proxyDeployment;
  private int port;
  private ControlApiVerticle control;
  // Cluster mode only; null otherwise (nothing of the cluster package, hence of Hazelcast, is loaded then).
  private cloud.locci.proxy.cli.cluster.ClusterMode cluster;

  private final AccessLog accessLog = new AccessLog();

  private Launcher(Vertx vertx, ProxyConfig config, int instances, ProxyMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.instances = instances;
    this.metrics = metrics;
    this.logLevel = config.logging().level();
  }

  /**
   * Creates Vert.x (native epoll when available) and deploys everything; returns once the proxy listens.
   *
   * @throws CommandFailure exit 1 when a listener cannot be opened (e.g. the port is in use)
   */
  static Launcher start(ProxyConfig config, Optional<Path> file, ConfigOverrides overrides) {
    return start(config, file, overrides, true);
  }

  /**
   * Like {@link #start(ProxyConfig, Optional, ConfigOverrides)}; {@code vertxHttpMetrics} false turns off
   * Vert.x's own per-request HTTP and TCP meters ({@code LOCCI_VERTX_HTTP_METRICS=false}).
   */
  static Launcher start(ProxyConfig config, Optional<Path> file, ConfigOverrides overrides, boolean vertxHttpMetrics) {
    int instances = config.server().workers().orElse(Runtime.getRuntime().availableProcessors());
    ProxyMetrics metrics = ProxyMetrics.create();
    VertxOptions options = new VertxOptions()
        .setPreferNativeTransport(true)
        .setEventLoopPoolSize(instances)
        .setWorkerPoolSize(4)
        .setMetricsOptions(metrics.vertxMetricsOptions(vertxHttpMetrics));
    Vertx vertx = Vertx.builder().with(options).withMetrics(metrics.vertxMetricsFactory()).build();
    Launcher launcher = new Launcher(vertx, config, instances, metrics);
    if (config.cluster().enabled()) {
      try {
        launcher.cluster = cloud.locci.proxy.cli.cluster.ClusterMode.join(config, file);
      } catch (IllegalStateException e) {
        vertx.close();
        throw new CommandFailure(ExitCodes.RUNTIME, e.getMessage());
      }
    }
    try {
      launcher.deploy(file, overrides).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (launcher.cluster != null) {
        launcher.cluster.leave();
      }
      vertx.close();
      Throwable cause = e;
      while (!(cause instanceof ListenException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      throw new CommandFailure(ExitCodes.RUNTIME, cause.getMessage());
    }
    return launcher;
  }

  private Future<?> deploy(Optional<Path> file, ConfigOverrides overrides) {
    logTransport();
    ProxyStack stack = ProxyStack.of(vertx, config, modeFor(config.mode()))
        .file(file)
        .overrides(overrides)
        .instances(instances)
        .listener(metrics)
        .before(configVerticle -> (cluster == null ? Future.succeededFuture()
                : cluster.deploy(vertx, configVerticle, config, file, overrides))
            .compose(id -> vertx.deployVerticle(new MetricsVerticle(metrics)))
            .compose(id -> vertx.eventBus().<VersionedConfig>consumer(Addresses.CONFIG_CHANGED,
                m -> logLevel(m.body().config().logging().level())).completion()));
    if (config.logging().accessLog()) {
      stack.listener(accessLog);
    }
    if (cluster != null) {
      stack.changesAnsweredElsewhere();
    }
    return stack.deploy()
        .onSuccess(deployed -> {
          proxyDeployment = deployed.proxyDeploymentId();
          port = deployed.port();
          log.info("locci-proxy listening on {}:{} ({}, {} instance{})", config.server().bindAddress().host(), port,
              config.mode().yamlName(), instances, instances == 1 ? "" : "s");
        })
        .compose(deployed -> {
          if (!config.controlApi().enabled()) {
            return Future.succeededFuture();
          }
          control = new ControlApiVerticle(instances, metrics);
          return vertx.deployVerticle(control);
        });
  }

  /** A reload changed {@code logging.level}: applies it at once (flags and environment still win). */
  private synchronized void logLevel(String level) {
    if (!level.equals(logLevel)) {
      logLevel = level;
      LogSetup.apply(level);
      log.info("log level is now {}", level);
    }
  }

  /**
   * Re-reads the config file through the config verticle (SIGHUP). Returns at once; the config verticle
   * logs the outcome and its diff.
   */
  void reload() {
    vertx.eventBus().<ReloadOutcome>request(Addresses.CONFIG_RELOAD, null, new DeliveryOptions().setSendTimeout(60_000))
        .onFailure(err -> log.warn("reload failed: {}", err.getMessage()));
  }

  private static ProxyMode<?> modeFor(Mode mode) {
    return switch (mode) {
      case LOAD_BALANCER -> new LoadBalancerMode();
      case API_GATEWAY -> new cloud.locci.proxy.gateway.GatewayMode();
    };
  }

  private void logTransport() {
    if (vertx.isNativeTransportEnabled()) {
      log.info("transport: native epoll");
    } else {
      Throwable why = vertx.unavailableNativeTransportCause();
      log.info("transport: NIO (native epoll unavailable: {})", why == null ? "not requested" : why.getMessage());
    }
  }

  /** The port the proxy listens on (the real one when the config said 0). */
  int port() {
    return port;
  }

  /** The port the control API listens on; -1 when it is disabled. */
  int controlPort() {
    return control == null ? -1 : control.actualPort();
  }

  Vertx vertx() {
    return vertx;
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to {@code server.shutdown_grace_secs}, then
   * closes Vert.x. Safe to call from any thread, more than once.
   */
  void stop() {
    if (stopped.isDone() || proxyDeployment == null) {
      return;
    }
    int grace = config.server().shutdownGraceSecs();
    TrafficCounters counters = TrafficCounters.of(vertx);
    log.info("stopping: no new connections; {} request(s) in flight get up to {}s to finish",
        counters.inFlight().get(), grace);
    // What is still in flight when the grace period ends is cut: the listener then closes every
    // connection. Counted at that moment, not after the undeploy (a request that finished in time may
    // still be on its way out of the counters then).
    AtomicInteger cutAtGraceEnd = new AtomicInteger();
    long graceTimer = vertx.setTimer(Math.max(1, TimeUnit.SECONDS.toMillis(grace)),
        id -> cutAtGraceEnd.set(counters.inFlight().get()));
    vertx.undeploy(proxyDeployment)
        .timeout(grace + 5L, TimeUnit.SECONDS)
        .onComplete(ar -> {
          vertx.cancelTimer(graceTimer);
          int cut = cutAtGraceEnd.get();
          if (cut > 0) {
            log.warn("grace period of {}s over: {} request(s) were cut short", grace, cut);
          }
          Future<Void> left = cluster == null ? Future.succeededFuture() : cluster.leave();
          left.eventually(() -> vertx.close()).onComplete(v -> {
            log.info("stopped");
            stopped.complete(null);
          });
        });
  }

  /** Blocks until {@link #stop()} has finished, at most {@code max}. */
  void awaitStopped(Duration max) throws Exception {
    stopped.get(max.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Blocks until {@link #stop()} has finished. */
  void awaitStopped() throws Exception {
    stopped.get();
  }
}
