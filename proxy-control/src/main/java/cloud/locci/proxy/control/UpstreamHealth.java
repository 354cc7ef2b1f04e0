package cloud.locci.proxy.control;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.health.HealthReport;
import cloud.locci.proxy.core.health.HealthReport.ServerHealth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The control API's view of every upstream server's health: one vertx-health-check procedure per
 * server (named {@code upstream/host:port}), answering from the state last heard from the health
 * checker ({@link HealthReport}, {@link HealthChanged}). A server nobody reported on is healthy and
 * unchecked, as the proxies assume (servers start healthy). Confined to the control verticle's context.
 */
final class UpstreamHealth {

  private final HealthChecks checks;
  private final Map<String, Map<ServerAddress, ServerHealth>> state = new HashMap<>();
  private final Set<String> registered = new HashSet<>();

  UpstreamHealth(Vertx vertx) {
    this.checks = HealthChecks.create(vertx);
  }

  /** Replaces what is known with a full report of the health checker. */
  void report(HealthReport report) {
    state.clear();
    report.servers().forEach(s -> state.computeIfAbsent(s.upstream(), k -> new HashMap<>()).put(s.server(), s));
  }

  /** Applies one flip. */
  void changed(HealthChanged c) {
    state.computeIfAbsent(c.upstream(), k -> new HashMap<>())
        .put(c.server(), new ServerHealth(c.upstream(), c.server(), c.healthy(), true, c.reason()));
  }

  /** The last known state of one server; healthy and unchecked when nobody reported on it. */
  ServerHealth of(String upstream, ServerAddress server) {
    ServerHealth s = state.getOrDefault(upstream, Map.of()).get(server);
    return s != null ? s : new ServerHealth(upstream, server, true, false, "");
  }

  /** Registers a procedure per server of {@code config} and removes those of servers it no longer has. */
  void sync(ProxyConfig config) {
    Set<String> wanted = new HashSet<>();
    for (UpstreamConfig u : config.upstreams().values()) {
      for (ServerEntry s : u.servers()) {
        String name = procedure(u.name(), s.address());
        wanted.add(name);
        if (registered.add(name)) {
          checks.register(name, promise -> {
            ServerHealth h = of(u.name(), s.address());
            promise.complete(new Status().setOk(h.healthy())
                .setData(new JsonObject().put("checked", h.checked()).put("reason", h.reason())));
          });
        }
      }
    }
    registered.removeIf(name -> {
      if (wanted.contains(name)) {
        return false;
      }
      checks.unregister(name);
      return true;
    });
  }

  /**
   * Runs every procedure and renders {@code {"status":"up","upstreams":[{"name","healthy_servers",
   * "servers":[{"address","healthy","checked","reason"}]}]}} in config order.
   */
  Future<JsonObject> json(ProxyConfig config) {
    return checks.checkStatus().map(root -> {
      JsonArray upstreams = new JsonArray();
      for (UpstreamConfig u : config.upstreams().values()) {
        Optional<CheckResult> group = child(root, escape(u.name()));
        JsonArray servers = new JsonArray();
        int healthy = 0;
        for (ServerEntry s : u.servers()) {
          Optional<CheckResult> r = group.flatMap(g -> child(g, s.address().toString()));
          boolean up = r.map(CheckResult::getUp).orElse(true);
          JsonObject data = r.map(CheckResult::getData).orElse(null);
          servers.add(new JsonObject()
              .put("address", s.address().toString())
              .put("healthy", up)
              .put("checked", data != null && data.getBoolean("checked", false))
              .put("reason", data == null ? "" : data.getString("reason", "")));
          healthy += up ? 1 : 0;
        }
        upstreams.add(new JsonObject().put("name", u.name()).put("healthy_servers", healthy).put("servers", servers));
      }
      return new JsonObject().put("status", "up").put("upstreams", upstreams);
    });
  }

  private static Optional<CheckResult> child(CheckResult parent, String id) {
    List<CheckResult> children = parent.getChecks();
    return children == null ? Optional.empty() : children.stream().filter(c -> id.equals(c.getId())).findFirst();
  }

  private static String procedure(String upstream, ServerAddress server) {
    return escape(upstream) + "/" + server;
  }

  // vertx-health-check splits procedure names on '/'.
  private static String escape(String name) {
    return name.replace("%", "%25").replace("/", "%2F");
  }
}
