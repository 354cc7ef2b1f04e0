package cloud.locci.proxy.core;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ConfigError;
import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ConfigValidator;
import cloud.locci.proxy.core.config.Locations;
import cloud.locci.proxy.core.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the one current configuration and its version number (one instance per process). Answers
 * {@link Addresses#CONFIG_GET} with the current {@link VersionedConfig} and publishes every new version
 * on {@link Addresses#CONFIG_CHANGED}. A candidate configuration is validated exactly as a file is; an
 * invalid one is refused whole and the running one stays.
 */
public final class ConfigVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ConfigVerticle.class);

  private final Optional<Path> file;
  private final ConfigOverrides overrides;
  private VersionedConfig current;

  /**
   * @param initial the configuration the launcher already loaded and validated (version 1)
   * @param file where reloads read from; empty when the configuration came from no file (tests)
   * @param overrides flags and environment, applied again on every reload
   */
  public ConfigVerticle(ProxyConfig initial, Optional<Path> file, ConfigOverrides overrides) {
    this.current = new VersionedConfig(1, initial);
    this.file = file;
    this.overrides = overrides;
  }

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx, VersionedConfig.class);
    return Future.all(
        vertx.eventBus().consumer(Addresses.CONFIG_GET, msg -> msg.reply(current)).completion(),
        vertx.eventBus().<Object>consumer(Addresses.CONFIG_RELOAD, msg -> reload().onComplete(ar -> {
          if (ar.succeeded()) {
            msg.reply(ar.result());
          } else {
            msg.fail(400, ar.cause().getMessage());
          }
        })).completion());
  }

  /** The configuration being served now. Call on this verticle's context. */
  public VersionedConfig current() {
    return current;
  }

  /**
   * Validates {@code candidate} as a whole and, when valid, makes it the next version and publishes it.
   * Runs on this verticle's context; fails with a {@link ConfigException} listing every error otherwise.
   */
  public Future<VersionedConfig> apply(ProxyConfig candidate, String source) {
    return onOwnContext(() -> {
      List<ConfigError> errors = ConfigValidator.validate(candidate, Locations.none(source));
      if (!errors.isEmpty()) {
        return Future.failedFuture(new ConfigException(errors));
      }
      return Future.succeededFuture(swap(candidate));
    });
  }

  /** Re-reads the file off the event loop; the running configuration stays when it is invalid. */
  public Future<VersionedConfig> reload() {
    if (file.isEmpty()) {
      return Future.failedFuture(new IllegalStateException("this process was not started from a config file"));
    }
    Path path = file.get();
    return onOwnContext(() -> vertx.executeBlocking(() -> ConfigLoader.load(path, overrides))
        .onFailure(err -> log.warn("reload of {} refused, running config version {} stays:\n{}", path,
            current.version(), err.getMessage()))
        .map(this::swap));
  }

  /** Runs {@code action} on this verticle's context, so {@link #current} has one writer thread. */
  private <T> Future<T> onOwnContext(Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  private VersionedConfig swap(ProxyConfig config) {
    current = new VersionedConfig(current.version() + 1, config);
    vertx.eventBus().publish(Addresses.CONFIG_CHANGED, current);
    log.info("config version {} is now current", current.version());
    return current;
  }
}
