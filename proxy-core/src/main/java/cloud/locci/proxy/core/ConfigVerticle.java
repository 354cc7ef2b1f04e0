package cloud.locci.proxy.core;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.ConfigChange;
import cloud.locci.proxy.core.bus.CurrentConfig;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.bus.ReloadOutcome;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ConfigDiff;
import cloud.locci.proxy.core.config.ConfigError;
import cloud.locci.proxy.core.config.ConfigSchema;
import cloud.locci.proxy.core.config.ConfigView;
import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ConfigValidator;
import cloud.locci.proxy.core.config.ConfigWarnings;
import cloud.locci.proxy.core.config.Locations;
import cloud.locci.proxy.core.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the one current configuration and its version number (one instance per process). Answers
 * {@link Addresses#CONFIG_GET} with the current {@link VersionedConfig}, applies control-API changes
 * ({@link Addresses#CONFIG_UPDATE}) and reloads of the file ({@link Addresses#CONFIG_RELOAD}), and
 * publishes every new version on {@link Addresses#CONFIG_CHANGED}.
 *
 * <p>Every candidate is a whole configuration validated exactly as a file is; an invalid one is refused
 * whole and the running one stays. A reload is a transaction: read and validate the file, compute the
 * diff, swap, publish, answer with the diff. The mode cannot change on reload (the proxy verticles are
 * of one mode): such a file is refused with an error saying to restart. Changes made through the
 * control API live in memory only and are replaced by the file's content on the next reload; the log
 * says so when it happens.
 */
public final class ConfigVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ConfigVerticle.class);
  private static final String API_SOURCE = "control API";

  private final Optional<Path> file;
  private final ConfigOverrides overrides;
  private VersionedConfig current;
  private CurrentConfig shared;
  private int apiChangesSinceFile;
  private boolean changesElsewhere;
  /** The last change queued: the next one starts when it is over (changes apply in the order received). */
  private Future<?> queue = Future.succeededFuture();

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

  /**
   * Cluster mode: control-API changes and reloads ({@link Addresses#CONFIG_UPDATE},
   * {@link Addresses#CONFIG_RELOAD}) are answered by the cluster's sequencer, which orders them across
   * nodes and hands each result to {@link #adopt}; this verticle then only holds, serves and publishes the
   * current version. Call before deploying.
   */
  public ConfigVerticle changesAnsweredElsewhere() {
    changesElsewhere = true;
    return this;
  }

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx, VersionedConfig.class);
    LocalCodec.register(vertx, ReloadOutcome.class);
    shared = CurrentConfig.of(vertx);
    shared.set(current);
    for (Class<?> type : ConfigChange.class.getPermittedSubclasses()) {
      LocalCodec.register(vertx, type);
    }
    if (changesElsewhere) {
      return vertx.eventBus().consumer(Addresses.CONFIG_GET, msg -> msg.reply(current)).completion();
    }
    return Future.all(
        vertx.eventBus().consumer(Addresses.CONFIG_GET, msg -> msg.reply(current)).completion(),
        vertx.eventBus().consumer(Addresses.CONFIG_RELOAD, msg -> reload().onSuccess(msg::reply)).completion(),
        vertx.eventBus().<ConfigChange>consumer(Addresses.CONFIG_UPDATE, this::onUpdate).completion());
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
    return onOwnContext(() -> inOrder(() -> vertx.executeBlocking(
            () -> ConfigValidator.validate(candidate, Locations.none(source)))
        .compose(errors -> errors.isEmpty() ? Future.succeededFuture(swap(candidate, source))
            : Future.failedFuture(new ConfigException(errors)))));
  }

  /** Runs {@code step} once every change queued before it is over. Call on this verticle's context. */
  private <T> Future<T> inOrder(Supplier<Future<T>> step) {
    Future<T> result = queue.transform(ar -> step.get());
    queue = result;
    return result;
  }

  /**
   * Makes {@code candidate} current as exactly {@code version} (cluster mode: the cluster's version),
   * after validating it as {@link #apply} does. Fails when it is invalid or {@code version} is not newer
   * than the current one.
   */
  public Future<VersionedConfig> adopt(ProxyConfig candidate, long version, String why) {
    return onOwnContext(() -> inOrder(() -> vertx.executeBlocking(
            () -> ConfigValidator.validate(candidate, Locations.none(why)))
        .compose(errors -> {
          if (!errors.isEmpty()) {
            return Future.failedFuture(new ConfigException(errors));
          }
          if (version <= current.version()) {
            return Future.failedFuture(new IllegalStateException("config version " + version + " is not newer than "
                + current.version()));
          }
          return Future.succeededFuture(swapTo(version, candidate, why));
        })));
  }

  /**
   * Re-reads the file off the event loop and, when it is valid, makes it current. Never fails: the
   * outcome says what happened (errors, or the diff), and is also published on
   * {@link Addresses#CONFIG_RELOADED}. An invalid file is logged with every error and changes nothing.
   */
  public Future<ReloadOutcome> reload() {
    return onOwnContext(() -> inOrder(() -> {
      if (file.isEmpty()) {
        return Future.succeededFuture(refuse("(none)", List.of(new ConfigError(API_SOURCE, 0, "",
            "this process was not started from a config file: nothing to reload"))));
      }
      Path path = file.get();
      return vertx.executeBlocking(() -> {
            ProxyConfig loaded = ConfigLoader.load(path, overrides);
            ConfigWarnings.of(loaded).forEach(w -> log.warn("reload of {}: {}", path, w));
            return loaded;
          })
          .transform(ar -> Future.succeededFuture(ar.succeeded()
              ? accept(path, ar.result())
              : refuse(path.toString(), errorsOf(ar.cause()))));
    })).onSuccess(outcome -> vertx.eventBus().publish(Addresses.CONFIG_RELOADED, outcome));
  }

  private void onUpdate(Message<ConfigChange> msg) {
    ConfigChange change = msg.body();
    inOrder(() -> {
      ProxyConfig running = current.config();
      return vertx.executeBlocking(() -> {
        ProxyConfig candidate = ConfigMutations.apply(running, change);
        return new Checked(candidate, ConfigValidator.validate(candidate, Locations.none(API_SOURCE)));
      }).andThen(ar -> {
        if (ar.failed()) {
          if (ar.cause() instanceof ConfigMutations.Refused refused) {
            msg.fail(refused.status(), refused.getMessage());
          } else {
            log.warn("control API change {} failed", ConfigMutations.describe(change), ar.cause());
            msg.fail(500, "the change could not be applied");
          }
          return;
        }
        List<ConfigError> errors = ar.result().errors();
        if (!errors.isEmpty()) {
          log.info("control API change refused ({}), config version {} stays: {}", ConfigMutations.describe(change),
              current.version(), errors.stream().map(ConfigError::toString).collect(Collectors.joining("; ")));
          msg.fail(400, errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
          return;
        }
        apiChangesSinceFile++;
        msg.reply(swap(ar.result().candidate(), "control API: " + ConfigMutations.describe(change)));
      });
    });
  }

  /** A candidate configuration and its validation errors (computed in a worker thread). */
  private record Checked(ProxyConfig candidate, List<ConfigError> errors) {}

  private ReloadOutcome accept(Path path, ProxyConfig next) {
    ProxyConfig running = current.config();
    if (next.mode() != running.mode()) {
      return refuse(path.toString(), List.of(new ConfigError(path.toString(), 0, "mode", "the mode cannot change on"
          + " reload (running " + running.mode().yamlName() + ", the file says " + next.mode().yamlName()
          + "); restart the process to change it")));
    }
    if (next.equals(running)) {
      log.info("reload of {}: no changes, config version {} stays", path, current.version());
      return new ReloadOutcome(current.version(), ConfigDiff.NONE, List.of(), List.of());
    }
    ConfigDiff diff = ConfigDiff.between(running, next);
    List<String> restart = restartRequired(running, next);
    int lost = apiChangesSinceFile;
    apiChangesSinceFile = 0;
    VersionedConfig swapped = swap(next, "reload of " + path + ": " + diff);
    if (lost > 0) {
      log.warn("reload of {} replaced {} change(s) made through the control API since the file was last read:"
          + " changes made through the API and not in the file are lost on reload", path, lost);
    }
    if (!running.server().bindAddress().equals(next.server().bindAddress())) {
      log.info("server.bind_address {} -> {}: the new listener opens before the old one closes",
          running.server().bindAddress(), next.server().bindAddress());
    }
    if (!restart.isEmpty()) {
      log.warn("reload of {}: {} changed in the file but take effect only after a restart", path,
          String.join(", ", restart));
    }
    return new ReloadOutcome(swapped.version(), diff, List.of(), restart);
  }

  private ReloadOutcome refuse(String path, List<ConfigError> errors) {
    log.warn("reload of {} refused, running config version {} stays; {} error(s):\n  {}", path, current.version(),
        errors.size(), errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n  ")));
    return new ReloadOutcome(current.version(), ConfigDiff.NONE, errors, List.of());
  }

  private static List<ConfigError> errorsOf(Throwable cause) {
    if (cause instanceof ConfigException e) {
      return e.errors();
    }
    return List.of(new ConfigError("reload", 0, "", String.valueOf(cause.getMessage())));
  }

  /**
   * Keys that a running process cannot apply: the number of instances, the control API's listener, the
   * log format, the cluster section, and the proxy listener's options unless its address changes too (a
   * new listener then opens with the new options). Declared by the flags of {@link ConfigSchema}; see
   * {@link ConfigView#restartRequired}.
   */
  public static List<String> restartRequired(ProxyConfig before, ProxyConfig after) {
    return ConfigView.restartRequired(before, after);
  }

  /** Runs {@code action} on this verticle's context, so {@link #current} has one writer thread. */
  private <T> Future<T> onOwnContext(Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  private VersionedConfig swap(ProxyConfig config, String why) {
    return swapTo(current.version() + 1, config, why);
  }

  private VersionedConfig swapTo(long version, ProxyConfig config, String why) {
    current = new VersionedConfig(version, config);
    shared.set(current);
    vertx.eventBus().publish(Addresses.CONFIG_CHANGED, current);
    log.info("config version {} is now current ({})", current.version(), why);
    return current;
  }
}
