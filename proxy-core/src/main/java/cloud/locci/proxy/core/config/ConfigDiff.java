package cloud.locci.proxy.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What changed between two configurations, by name: routes, upstream groups and middleware instances
 * added, removed or changed (any key of theirs), plus the other top-level sections that changed. The
 * answer of a reload (SPEC §10) and the content of its log line.
 *
 * @param sections other top-level sections that differ: {@code mode}, {@code server}, {@code logging},
 *     {@code load_balancer}, {@code control_api}, {@code cluster}
 * @param keys the key paths whose values differ, e.g. {@code api_gateway.routes.users.timeout_secs}
 *     (a route, upstream or middleware added or removed is one path; never values, so no secret shows),
 *     in the order of {@link ConfigSchema}'s JSON view
 */
public record ConfigDiff(Changes routes, Changes upstreams, Changes middlewares, List<String> sections,
    List<String> keys) {

  /** No change at all. */
  public static final ConfigDiff NONE = new ConfigDiff(Changes.NONE, Changes.NONE, Changes.NONE, List.of());

  /** At most this many key paths in the log line (the answer has them all). */
  private static final int KEYS_IN_LOG = 20;

  public ConfigDiff {
    Objects.requireNonNull(routes, "routes");
    Objects.requireNonNull(upstreams, "upstreams");
    Objects.requireNonNull(middlewares, "middlewares");
    sections = List.copyOf(sections);
    keys = List.copyOf(keys);
  }

  /** A diff without key paths. */
  public ConfigDiff(Changes routes, Changes upstreams, Changes middlewares, List<String> sections) {
    this(routes, upstreams, middlewares, sections, List.of());
  }

  /** Names added, removed and changed, each list in the order of the configuration that has them. */
  public record Changes(List<String> added, List<String> removed, List<String> changed) {
    public static final Changes NONE = new Changes(List.of(), List.of(), List.of());

    public Changes {
      added = List.copyOf(added);
      removed = List.copyOf(removed);
      changed = List.copyOf(changed);
    }

    public boolean isEmpty() {
      return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }

    static <V> Changes between(Map<String, V> before, Map<String, V> after) {
      List<String> added = new ArrayList<>();
      List<String> changed = new ArrayList<>();
      after.forEach((name, v) -> {
        if (!before.containsKey(name)) {
          added.add(name);
        } else if (!before.get(name).equals(v)) {
          changed.add(name);
        }
      });
      List<String> removed = before.keySet().stream().filter(n -> !after.containsKey(n)).toList();
      return new Changes(added, removed, changed);
    }

    @Override
    public String toString() {
      if (isEmpty()) {
        return "unchanged";
      }
      List<String> parts = new ArrayList<>();
      if (!added.isEmpty()) {
        parts.add("added " + added);
      }
      if (!removed.isEmpty()) {
        parts.add("removed " + removed);
      }
      if (!changed.isEmpty()) {
        parts.add("changed " + changed);
      }
      return String.join(" ", parts);
    }
  }

  /** The differences from {@code before} to {@code after}. */
  public static ConfigDiff between(ProxyConfig before, ProxyConfig after) {
    List<String> sections = new ArrayList<>();
    if (before.mode() != after.mode()) {
      sections.add("mode");
    }
    if (!before.server().equals(after.server())) {
      sections.add("server");
    }
    if (!before.logging().equals(after.logging())) {
      sections.add("logging");
    }
    if (!before.loadBalancer().equals(after.loadBalancer())) {
      sections.add("load_balancer");
    }
    if (!before.controlApi().equals(after.controlApi())) {
      sections.add("control_api");
    }
    if (!before.tracing().equals(after.tracing())) {
      sections.add("tracing");
    }
    if (!before.cluster().equals(after.cluster())) {
      sections.add("cluster");
    }
    return new ConfigDiff(
        Changes.between(routes(before), routes(after)),
        Changes.between(before.upstreams(), after.upstreams()),
        Changes.between(before.allMiddlewares(), after.allMiddlewares()),
        sections,
        ConfigView.changedKeys(before, after));
  }

  private static Map<String, RouteConfig> routes(ProxyConfig c) {
    return c.apiGateway().map(ProxyConfig.GatewayConfig::routes).orElse(Map.of());
  }

  public boolean isEmpty() {
    return routes.isEmpty() && upstreams.isEmpty() && middlewares.isEmpty() && sections.isEmpty();
  }

  /** One line for the log: {@code routes: added [a]; upstreams: unchanged; middlewares: ...; other: server}. */
  @Override
  public String toString() {
    String s = "routes: " + routes + "; upstreams: " + upstreams + "; middlewares: " + middlewares;
    if (!sections.isEmpty()) {
      s += "; other sections: " + String.join(", ", sections);
    }
    if (!keys.isEmpty()) {
      s += "; keys: " + String.join(", ", keys.subList(0, Math.min(KEYS_IN_LOG, keys.size())))
          + (keys.size() > KEYS_IN_LOG ? " and " + (keys.size() - KEYS_IN_LOG) + " more" : "");
    }
    return s;
  }
}
