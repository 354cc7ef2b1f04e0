package cloud.locci.proxy.cli.cluster;

import cloud.locci.proxy.core.ConfigMutations;
import cloud.locci.proxy.core.ConfigVerticle;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.ConfigChange;
import cloud.locci.proxy.core.bus.CurrentConfig;
import cloud.locci.proxy.core.bus.ReloadOutcome;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ConfigDiff;
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
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode's sequencer of configuration changes (SPEC §9). It answers the control API's changes and
 * reloads in place of the config verticle, and puts every one into the cluster's {@link SharedLog} by
 * optimistic concurrency: read the log, catch up with it, validate the change against it exactly as a
 * single node does, and write the log one version further by compare-and-set against the text read
 * (Hazelcast's {@code IMap.replace(key, old, new)}, atomic on the key's owner). When another node wrote
 * first, the swap fails and the change starts again from the newer log, validated again, so it gets the
 * answer it would get on one node after the other change. One of the racing writers always wins, so the
 * cluster always moves on; a loser tries again at once. The compare-and-set
 * alone makes the order global (no lock: Vert.x's Hazelcast lock is re-entrant per worker thread and
 * released asynchronously, so it could let two nodes in at once); the log makes it durable (a
 * Hazelcast map with a backup on another node) and lets any node that was away catch up by reading it.
 *
 * <p>Other nodes learn of a new version from a cluster-wide event and, in case one is missed, by reading
 * the log every second; each then rebuilds its configuration from the log and adopts it under the same
 * version number. A node cut off from the others keeps serving its last version; when it is back, the
 * newer log wins: its own if it made more changes while alone, else the others' (changes made on the
 * losing side are dropped, with a warning).
 *
 * <p>Runs on the cluster's Vert.x instance, on one context; every operation on the log goes through one
 * queue, so this node never races itself.
 */
public final class ClusterSync extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ClusterSync.class);

  static final String MAP = "locci.cluster";
  static final String LOG_KEY = "config-log";
  /** Cluster-wide event: a node wrote a new version of the log (body: the version). */
  static final String CHANGED = "locci.cluster.config.changed";

  /**
   * How long a change keeps trying while other nodes' writes keep coming first. Each try costs a read,
   * a validation and a write (milliseconds), and one racer wins each round, so this is reached only
   * when the cluster's log is written without pause for that long.
   */
  private static final long CONTENTION_MS = 10_000;
  private static final long POLL_MS = 1_000;
  private static final String API_SOURCE = "control API";

  private final Vertx proxy;
  private final ConfigVerticle config;
  private final Optional<Path> file;
  private final String fileText;
  private final ConfigOverrides overrides;
  private final String nodeAddress;
  private NodeKeys own;
  private SharedLog applied;
  private String unusableHead = "";
  private boolean pollQueued;
  private Future<?> queue = Future.succeededFuture();
  private AsyncMap<String, String> map;
  /** The log's text as this node last read or wrote it: what a change's write must still find there. */
  private String lastText;
  /** Races the operation running now has lost so far (operations run one at a time), for its log line. */
  private int lostRaces;

  /**
   * @param proxy the proxy's Vert.x, whose local event bus the control API talks to
   * @param config the config verticle, already deployed with its changes answered elsewhere
   * @param initial the configuration it started with (version 1)
   * @param file the node's config file, read again on reload
   * @param fileText the text {@code initial} was read from: this node's offer of a first shared config
   * @param nodeAddress this node's cluster address, for log lines and error sources
   */
  public ClusterSync(Vertx proxy, ConfigVerticle config, ProxyConfig initial, Optional<Path> file, String fileText,
      ConfigOverrides overrides, String nodeAddress) {
    this.proxy = proxy;
    this.config = config;
    this.file = file;
    this.fileText = fileText;
    this.overrides = overrides;
    this.nodeAddress = nodeAddress;
    this.own = NodeKeys.of(initial);
  }

  @Override
  public Future<?> start() {
    applied = SharedLog.of(1, fileText, source(file.map(Path::toString).orElse("(no file)")));
    return vertx.sharedData().<String, String>getAsyncMap(MAP)
        .compose(m -> {
          map = m;
          return Future.all(
              proxy.eventBus().<ConfigChange>localConsumer(Addresses.CONFIG_UPDATE,
                  msg -> context.runOnContext(v -> onUpdate(msg))).completion(),
              proxy.eventBus().localConsumer(Addresses.CONFIG_RELOAD,
                  msg -> context.runOnContext(v -> onReload(msg))).completion(),
              vertx.eventBus().<Long>consumer(CHANGED, msg -> poll()).completion());
        })
        .compose(v -> serial(() -> untilWritten(() -> readLog().compose(c -> reconcile(c, true)))))
        .onSuccess(v -> vertx.setPeriodic(POLL_MS, id -> poll()));
  }

  private String source(String path) {
    return "node " + nodeAddress + ": " + path;
  }

  // ---- control-API changes ----

  private void onUpdate(Message<ConfigChange> msg) {
    ConfigChange change = msg.body();
    String entry;
    try {
      entry = ChangeCodec.encode(change, msg.headers().get(Addresses.CHANGE_BODY_HEADER));
    } catch (IllegalArgumentException e) {
      msg.fail(500, e.getMessage());
      return;
    }
    serial(() -> untilWritten(() -> applyChange(change, entry))).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
        announce();
      } else if (ar.cause() instanceof Refusal r) {
        msg.fail(r.status, r.getMessage());
      } else {
        log.warn("control API change ({}) failed: {}", ConfigMutations.describe(change), ar.cause().getMessage());
        msg.fail(503, "the change could not be shared with the cluster: " + ar.cause().getMessage());
      }
    });
  }

  /**
   * One try: validates {@code change} against the cluster's newest log and writes the log one version
   * further by compare-and-set against the text read. Fails with {@link LostRace} when another node
   * wrote in between: the caller tries again from the new log, so a duplicate name gets its 409 as on a
   * single node, and nothing is applied twice.
   */
  private Future<VersionedConfig> applyChange(ConfigChange change, String entry) {
    return readLog().compose(c -> reconcile(c, false)).compose(inCluster -> {
      if (!inCluster.head().equals(applied.head())) {
        return Future.failedFuture(new Refusal(503, "this node could not apply the cluster's config version "
            + inCluster.version() + " (see its log); make the change on another node"));
      }
      if (applied.changes().size() >= SharedLog.MAX_CHANGES) {
        return Future.failedFuture(new Refusal(409, SharedLog.MAX_CHANGES + " control-API changes since the config"
            + " file was last shared: reload a file (on any node) before making more"));
      }
      ProxyConfig running = running();
      return vertx.executeBlocking(() -> candidate(running, change)).compose(candidate -> {
        SharedLog next = applied.append(entry);
        String races = lostRaces == 0 ? "" : " (after " + lostRaces + " lost race" + (lostRaces == 1 ? "" : "s") + ")";
        return writeOver(next)
            .compose(v -> adopt(next, candidate, "control API: " + ConfigMutations.describe(change) + races));
      });
    });
  }

  /** The configuration {@code change} asks for, validated as a single node validates it (off the loop). */
  private static ProxyConfig candidate(ProxyConfig running, ConfigChange change) throws Refusal {
    ProxyConfig candidate;
    try {
      candidate = ConfigMutations.apply(running, change);
    } catch (ConfigMutations.Refused refused) {
      throw new Refusal(refused.status(), refused.getMessage());
    }
    List<ConfigError> errors = ConfigValidator.validate(candidate, Locations.none(API_SOURCE));
    if (!errors.isEmpty()) {
      log.info("control API change refused ({}): {}", ConfigMutations.describe(change),
          errors.stream().map(ConfigError::toString).collect(Collectors.joining("; ")));
      throw new Refusal(400, errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
    }
    return candidate;
  }

  // ---- reload ----

  private record FileRead(String text, ProxyConfig config) {}

  private void onReload(Message<Object> msg) {
    serial(this::reload).onComplete(ar -> {
      ReloadOutcome outcome = ar.succeeded() ? ar.result()
          : refuse(file.map(Path::toString).orElse("(none)"), List.of(new ConfigError("reload", 0, "",
              "the file could not be shared with the cluster: " + ar.cause().getMessage())));
      msg.reply(outcome);
      proxy.eventBus().publish(Addresses.CONFIG_RELOADED, outcome);
      if (outcome.succeeded() && outcome.diff() != ConfigDiff.NONE) {
        announce();
      }
    });
  }

  /**
   * Re-reads this node's file and, when valid, makes it the cluster's new base: every node then runs it
   * with its own node keys. The node keys of this node come from the file just read, except
   * {@code cluster.*}, which only a restart changes.
   */
  private Future<ReloadOutcome> reload() {
    if (file.isEmpty()) {
      return Future.succeededFuture(refuse("(none)", List.of(new ConfigError(API_SOURCE, 0, "",
          "this process was not started from a config file: nothing to reload"))));
    }
    Path path = file.get();
    return vertx.executeBlocking(() -> {
      String text = Files.readString(path, StandardCharsets.UTF_8);
      return new FileRead(text, ConfigLoader.parse(text, path.toString(), overrides));
    }).transform(read -> {
      if (read.failed()) {
        return Future.succeededFuture(refuse(path.toString(), errorsOf(read.cause())));
      }
      ProxyConfig running = running();
      NodeKeys fresh = new NodeKeys(read.result().config().server().bindAddress(),
          read.result().config().controlApi().bindAddress(), own.cluster());
      ProxyConfig candidate = fresh.overlay(read.result().config());
      if (candidate.mode() != running.mode()) {
        return Future.succeededFuture(refuse(path.toString(), List.of(new ConfigError(path.toString(), 0, "mode",
            "the mode cannot change on reload (running " + running.mode().yamlName() + ", the file says "
                + candidate.mode().yamlName() + "); restart every node to change it"))));
      }
      return untilWritten(() -> readLog().compose(c -> reconcile(c, false)).compose(inCluster -> {
        if (!inCluster.head().equals(applied.head())) {
          return Future.succeededFuture(refuse(path.toString(), List.of(new ConfigError(path.toString(), 0, "",
              "this node could not apply the cluster's config version " + inCluster.version() + " (see its log)"))));
        }
        ProxyConfig before = running();
        if (candidate.equals(before)) {
          log.info("reload of {}: no changes, config version {} stays", path, applied.version());
          return Future.succeededFuture(new ReloadOutcome(applied.version(), ConfigDiff.NONE, List.of(), List.of()));
        }
        SharedLog next = applied.rebase(read.result().text(), source(path.toString()));
        ConfigDiff diff = ConfigDiff.between(before, candidate);
        return writeOver(next)
            .compose(v -> adopt(next, candidate, "reload of " + path + " shared with the cluster: " + diff))
            .map(vc -> {
              own = fresh;
              List<String> restart = ConfigVerticle.restartRequired(before, candidate);
              if (!restart.isEmpty()) {
                log.warn("reload of {}: {} changed in the file but take effect only after a restart", path,
                    String.join(", ", restart));
              }
              return new ReloadOutcome(vc.version(), diff, List.of(), restart);
            });
      }));
    });
  }

  private ReloadOutcome refuse(String path, List<ConfigError> errors) {
    log.warn("reload of {} refused, running config version {} stays; {} error(s):\n  {}", path, applied.version(),
        errors.size(), errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n  ")));
    return new ReloadOutcome(applied.version(), ConfigDiff.NONE, errors, List.of());
  }

  private static List<ConfigError> errorsOf(Throwable cause) {
    if (cause instanceof ConfigException e) {
      return e.errors();
    }
    return List.of(new ConfigError("reload", 0, "", String.valueOf(cause.getMessage())));
  }

  // ---- keeping up with the cluster ----

  /** Reads the log and adopts it when another node moved it on. At most one poll waits in the queue. */
  private void poll() {
    if (pollQueued) {
      return;
    }
    pollQueued = true;
    this.<Void>serial(() -> {
      pollQueued = false;
      return readLog().compose(c -> {
        if (c != null && (c.head().equals(applied.head()) || c.head().equals(unusableHead))) {
          return Future.succeededFuture();
        }
        if (c != null && c.version() > applied.version()) {
          return adoptOrStay(c);
        }
        // The log is gone (the whole cluster restarted around this node) or behind this node (a healed
        // partition): decide on a fresh read; a lost race is decided again on the next poll.
        return readLog().compose(again -> reconcile(again, false)).mapEmpty();
      });
    }).onFailure(err -> log.debug("reading the cluster's config log failed: {}", err.getMessage()));
  }

  /**
   * Brings this node and the cluster's log {@code inCluster}, just read, together. Returns the log as it
   * is in the cluster afterwards ({@link #applied} too, unless this node could not apply it). Every write
   * here is a compare-and-set against what was read: fails with {@link LostRace} when another node wrote
   * in between, and the caller reads again.
   *
   * @param joining this node has just joined: it takes the cluster's configuration whatever its version
   */
  private Future<SharedLog> reconcile(SharedLog inCluster, boolean joining) {
    if (inCluster == null) {
      log.info("the cluster has no shared config yet: this node's (version {}, from {}) becomes the cluster's",
          applied.version(), applied.baseSource());
      SharedLog mine = applied;
      return writeOver(mine).map(mine);
    }
    if (inCluster.head().equals(applied.head())) {
      return Future.succeededFuture(inCluster);
    }
    if (inCluster.version() > applied.version()) {
      return adoptOrStay(inCluster).map(inCluster);
    }
    if (joining) {
      // Same or lower version than this node's fresh version 1: move the cluster's config on by one, so
      // that every node, this one included, takes it as a newer version.
      SharedLog theirs = inCluster.bump();
      return writeOver(theirs).compose(v -> adoptOrStay(theirs)).map(theirs);
    }
    log.warn("the cluster's config version {} (from {}) is not newer than this node's {}: the two sides of a"
        + " partition changed the config separately; this node's version wins and the other side's changes since"
        + " the split are dropped", inCluster.version(), inCluster.baseSource(), applied.version());
    SharedLog mine = applied.bump();
    return writeOver(mine).compose(v -> adoptOrStay(mine)).map(mine);
  }

  /** Adopts {@code next}; when it cannot be applied here, logs why and stays (not retried for that head). */
  private Future<Void> adoptOrStay(SharedLog next) {
    return vertx.executeBlocking(() -> build(next))
        .compose(candidate -> adopt(next, candidate, "from the cluster: " + next.baseSource() + describeChanges(next)))
        .<Void>mapEmpty()
        .recover(err -> {
          unusableHead = next.head();
          log.error("cannot apply the cluster's config version {}; this node stays on version {}: {}", next.version(),
              applied.version(), err instanceof ConfigException e ? e.errors().stream().map(ConfigError::toString)
                  .collect(Collectors.joining("; ")) : err.getMessage());
          return Future.succeededFuture();
        });
  }

  private static String describeChanges(SharedLog log) {
    long n = log.changes().stream().filter(e -> !e.equals(ChangeCodec.NOTHING)).count();
    return n == 0 ? "" : " + " + n + " control-API change" + (n == 1 ? "" : "s");
  }

  /** This node's configuration for {@code shared}: its base as a file, this node's keys, then the changes. */
  private ProxyConfig build(SharedLog shared) throws ConfigException, ConfigMutations.Refused {
    ProxyConfig c = own.overlay(ConfigLoader.parse(shared.baseText(), shared.baseSource(), overrides));
    for (String entry : shared.changes()) {
      Optional<ConfigChange> change = ChangeCodec.decode(entry);
      if (change.isPresent()) {
        c = ConfigMutations.apply(c, change.get());
      }
    }
    ProxyConfig running = running();
    if (c.mode() != running.mode()) {
      throw new ConfigException(List.of(new ConfigError(shared.baseSource(), 0, "mode", "the cluster runs "
          + c.mode().yamlName() + " and this node " + running.mode().yamlName() + "; restart it with the same mode")));
    }
    return c;
  }

  private Future<VersionedConfig> adopt(SharedLog next, ProxyConfig candidate, String why) {
    return here(config.adopt(candidate, next.version(), why)).onSuccess(vc -> applied = next);
  }

  private ProxyConfig running() {
    return CurrentConfig.of(proxy).get().config();
  }

  /** Tells the other nodes at once that the log moved on (they would also see it on their next read). */
  private void announce() {
    vertx.eventBus().publish(CHANGED, applied.version());
  }

  // ---- the shared log ----

  private Future<SharedLog> readLog() {
    return map.get(LOG_KEY).map(text -> {
      lastText = text;
      return text == null ? null : SharedLog.decode(text);
    });
  }

  /** Writes {@code next} only if the log is still as this node last saw it; else fails with {@link LostRace}. */
  private Future<Void> writeOver(SharedLog next) {
    String text = next.encode();
    Future<Boolean> swapped = lastText == null
        ? map.putIfAbsent(LOG_KEY, text).map(previous -> previous == null)
        : map.replaceIfPresent(LOG_KEY, lastText, text);
    return swapped.compose(ok -> {
      if (!ok) {
        return Future.failedFuture(new LostRace());
      }
      lastText = text;
      return Future.succeededFuture();
    });
  }

  /**
   * Runs {@code attempt} until it does not fail with {@link LostRace}; after {@link #CONTENTION_MS} of
   * lost races, fails with a 503 saying so. Call on this verticle's context.
   */
  private <T> Future<T> untilWritten(Supplier<Future<T>> attempt) {
    return untilWritten(attempt, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONTENTION_MS), 0);
  }

  private <T> Future<T> untilWritten(Supplier<Future<T>> attempt, long deadline, int lost) {
    lostRaces = lost;
    Future<T> f;
    try {
      f = attempt.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return here(f).recover(err -> {
      if (!(err instanceof LostRace)) {
        return Future.failedFuture(err);
      }
      if (System.nanoTime() - deadline > 0) {
        log.warn("gave up after {} tries in {} ms: other nodes wrote the cluster's config log first every time",
            lost + 1, CONTENTION_MS);
        return Future.failedFuture(new Refusal(503, "other nodes changed the cluster's config without pause for "
            + CONTENTION_MS / 1000 + " s; this change was not applied anywhere, send it again"));
      }
      // At once, without a back-off: one racer always wins a compare-and-set, so there is no collision to
      // spread out, and a pause would only let the winner's next change (which starts at once) win again.
      log.debug("another node wrote the cluster's config log first ({} lost so far); trying again", lost + 1);
      return untilWritten(attempt, deadline, lost + 1);
    });
  }

  /** Runs {@code op} after every operation queued before it; call on this verticle's context. */
  private <T> Future<T> serial(Supplier<Future<T>> op) {
    Promise<T> done = Promise.promise();
    queue = queue.transform(previous -> {
      Future<T> f;
      try {
        f = op.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(done);
      return f.transform(ar -> Future.succeededFuture());
    });
    return done.future();
  }

  /** {@code f}, with its outcome handed back to this verticle's context (it may complete on another). */
  private <T> Future<T> here(Future<T> f) {
    Promise<T> p = Promise.promise();
    f.onComplete(ar -> context.runOnContext(v -> p.handle(ar)));
    return p.future();
  }

  /** Another node's write came between this node's read of the log and its write. */
  private static final class LostRace extends Exception {
    LostRace() {
      super("the cluster's config log changed while this node was writing it", null, false, false);
    }
  }

  /** A change refused with an HTTP status, as the config verticle refuses it. */
  private static final class Refusal extends Exception {
    private final int status;

    Refusal(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }
}
