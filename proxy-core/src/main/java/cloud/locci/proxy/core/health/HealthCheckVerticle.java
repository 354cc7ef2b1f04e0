package cloud.locci.proxy.core.health;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.health.CheckSpec.TlsSettings;
import cloud.locci.proxy.core.health.HealthReport.ServerHealth;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks (SPEC §5), one instance per process, deployed after the config verticle and
 * before the proxies. For every server of every group with a {@code health_check}, it runs a check at
 * start and then every {@code interval_secs}: an HTTP GET of {@code path} (over TLS when the group has
 * {@code tls: true}) that must answer 2xx within {@code timeout_secs}, or a TCP connect when there is no
 * path. {@code unhealthy_threshold} consecutive failures take a server out of the rotation,
 * {@code healthy_threshold} consecutive successes bring it back (default 1 each). Servers start healthy.
 *
 * <p>Only a flip is announced: one {@link HealthChanged} on {@link Addresses#HEALTH_CHANGED} and one
 * log line (a warning with the reason when a server goes down, info when it is back). Every proxy
 * instance applies the events to its own snapshot. {@link Addresses#HEALTH_GET} is answered with a
 * {@link HealthReport} of every configured server, checked or not.
 *
 * <p>On a new config version, a server keeps its state and counters when its group still exists with the
 * same check settings (SPEC §10: health state per server address survives a reload); a server whose
 * group's check settings changed keeps its up/down state, restarts its counters and is checked at once;
 * a new server starts healthy and is checked at once; checks of removed servers stop, and a removed
 * server that was down is announced healthy so no proxy keeps it out should it come back unchecked.
 *
 * <p>All state lives on this verticle's context (event-bus handlers, timers and check callbacks all run
 * there): no locks. At most one check per server is in flight; a tick that finds one running is skipped.
 */
public final class HealthCheckVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(HealthCheckVerticle.class);

  /** Identity of a checked server: health state belongs to a server address within a group. */
  private record Key(String upstream, ServerAddress address) {}

  private final Map<Key, ServerCheck> checks = new LinkedHashMap<>();
  private VersionedConfig config;
  private Probes probes;

  /**
   * Registers the event-bus consumers, asks the config verticle for the current config and starts its
   * checks (the first check of each server runs at once). Fails when no config verticle answers.
   */
  @Override
  public Future<?> start() {
    LocalCodec.register(vertx, VersionedConfig.class);
    LocalCodec.register(vertx, HealthChanged.class);
    LocalCodec.register(vertx, HealthReport.class);
    probes = new Probes(vertx);
    MessageConsumer<VersionedConfig> changes =
        vertx.eventBus().consumer(Addresses.CONFIG_CHANGED, msg -> apply(msg.body()));
    MessageConsumer<Object> get = vertx.eventBus().consumer(Addresses.HEALTH_GET, msg -> msg.reply(report()));
    return Future.all(changes.completion(), get.completion())
        .compose(v -> vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_GET, null))
        .onSuccess(reply -> apply(reply.body()));
  }

  /** Cancels every timer and closes the check clients; checks in flight are dropped. */
  @Override
  public Future<?> stop() {
    checks.values().forEach(this::cancel);
    checks.clear();
    return probes.close();
  }

  /** Follows one config version; older or repeated versions are ignored. */
  private void apply(VersionedConfig next) {
    if (config != null && next.version() <= config.version()) {
      return;
    }
    config = next;
    Map<Key, CheckSpec> wanted = new LinkedHashMap<>();
    for (UpstreamConfig u : next.config().upstreams().values()) {
      Optional<CheckSpec> spec = CheckSpec.of(u);
      if (spec.isPresent()) {
        for (ServerEntry s : u.servers()) {
          wanted.putIfAbsent(new Key(u.name(), s.address()), spec.get());
        }
      }
    }
    Map<Key, ServerCheck> replaced = new LinkedHashMap<>();
    Map<Key, Future<String>> stillRunning = new LinkedHashMap<>();
    for (Iterator<Map.Entry<Key, ServerCheck>> it = checks.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, ServerCheck> e = it.next();
      ServerCheck old = e.getValue();
      CheckSpec spec = wanted.get(e.getKey());
      if (spec != null && spec.equals(old.spec)) {
        continue;
      }
      cancel(old);
      it.remove();
      if (spec != null) {
        replaced.put(e.getKey(), new ServerCheck(old.upstream, old.address, spec, old.healthy()));
        if (old.running != null) {
          stillRunning.put(e.getKey(), old.running);
        }
      } else if (!old.healthy()) {
        log.info("upstream {} server {} is no longer health-checked: no longer kept out of rotation", old.upstream,
            old.address);
        HealthChanged back = new HealthChanged(old.upstream, old.address, true, "no longer health-checked");
        CurrentHealth.of(vertx).apply(back);
        vertx.eventBus().publish(Addresses.HEALTH_CHANGED, back);
      }
    }
    for (Map.Entry<Key, CheckSpec> e : wanted.entrySet()) {
      Key key = e.getKey();
      if (!checks.containsKey(key)) {
        ServerCheck c = replaced.getOrDefault(key, new ServerCheck(key.upstream(), key.address(), e.getValue(), true));
        checks.put(key, c);
        begin(c, stillRunning.get(key));
      }
    }
    Set<TlsSettings> tlsInUse = new HashSet<>();
    checks.values().forEach(c -> tlsInUse.add(c.spec.tls()));
    probes.retain(tlsInUse);
  }

  /**
   * Checks {@code c} now (or as soon as the check {@code previous} of its former settings is over, so
   * a server never has two checks in flight), then every {@code interval_secs} until it is cancelled.
   */
  private void begin(ServerCheck c, Future<String> previous) {
    c.timerId = vertx.setPeriodic(c.spec.intervalMs(), id -> check(c));
    if (previous == null) {
      check(c);
    } else {
      c.running = previous;
      previous.onComplete(ar -> {
        c.running = null;
        check(c);
      });
    }
  }

  private void cancel(ServerCheck c) {
    c.stopped = true;
    if (c.timerId >= 0) {
      vertx.cancelTimer(c.timerId);
    }
  }

  private void check(ServerCheck c) {
    if (c.running != null || c.stopped) {
      return;
    }
    c.running = probes.run(c.address, c.spec);
    c.running.onComplete(ar -> {
      c.running = null;
      if (c.stopped) {
        return;
      }
      boolean ok = ar.succeeded();
      String outcome = ok ? ar.result() : ar.cause().getMessage();
      if (c.record(ok, outcome)) {
        announce(new HealthChanged(c.upstream, c.address, c.healthy(), c.flipReason()));
      } else {
        log.debug("upstream {} server {}: {}", c.upstream, c.address, outcome);
      }
    });
  }

  /** Publishes one flip and logs it once. */
  private void announce(HealthChanged change) {
    if (change.healthy()) {
      log.info("upstream {} server {} is back in rotation: {}", change.upstream(), change.server(), change.reason());
    } else {
      log.warn("upstream {} server {} is down, out of rotation: {}", change.upstream(), change.server(),
          change.reason());
    }
    CurrentHealth.of(vertx).apply(change);
    vertx.eventBus().publish(Addresses.HEALTH_CHANGED, change);
  }

  /** Every server of the current config, in config order; unchecked ones are healthy. */
  private HealthReport report() {
    List<ServerHealth> servers = new ArrayList<>();
    if (config != null) {
      for (UpstreamConfig u : config.config().upstreams().values()) {
        Set<ServerAddress> seen = new HashSet<>();
        for (ServerEntry s : u.servers()) {
          if (!seen.add(s.address())) {
            continue;
          }
          ServerCheck c = checks.get(new Key(u.name(), s.address()));
          servers.add(c == null
              ? new ServerHealth(u.name(), s.address(), true, false, "")
              : new ServerHealth(u.name(), s.address(), c.healthy(), true, c.reason()));
        }
      }
    }
    return new HealthReport(servers);
  }
}
