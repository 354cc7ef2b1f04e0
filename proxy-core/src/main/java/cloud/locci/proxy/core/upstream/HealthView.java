package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.ServerAddress;
import java.util.Map;
import java.util.Set;

/**
 * The servers known to be down, per upstream group, as one proxy instance last heard from the health
 * checker. Immutable; a change produces a new view and a new snapshot.
 */
public record HealthView(Map<String, Set<ServerAddress>> down) {

  /** Every server healthy: the state at start (SPEC §10: servers start healthy). */
  public static final HealthView ALL_HEALTHY = new HealthView(Map.of());

  public HealthView {
    down = Map.copyOf(down);
  }

  /** This view with one server's state changed. */
  public HealthView with(String upstream, ServerAddress server, boolean healthy) {
    Map<String, Set<ServerAddress>> next = new java.util.HashMap<>(down);
    Set<ServerAddress> d = new java.util.HashSet<>(next.getOrDefault(upstream, Set.of()));
    if (healthy) {
      d.remove(server);
    } else {
      d.add(server);
    }
    if (d.isEmpty()) {
      next.remove(upstream);
    } else {
      next.put(upstream, Set.copyOf(d));
    }
    return new HealthView(next);
  }

  public boolean isHealthy(String upstream, ServerAddress server) {
    Set<ServerAddress> d = down.get(upstream);
    return d == null || !d.contains(server);
  }
}
