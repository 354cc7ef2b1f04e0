package cloud.locci.proxy.core.health;

import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.upstream.HealthView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reply to {@link cloud.locci.proxy.core.bus.Addresses#HEALTH_GET}: the state of every server the
 * health checker knows, for a proxy instance that starts (or restarts) and for the control API.
 */
public record HealthReport(List<ServerHealth> servers) {

  public HealthReport {
    servers = List.copyOf(servers);
  }

  /**
   * One server's state.
   *
   * @param checked whether active checks run for it (false: assumed healthy)
   * @param reason the last check's outcome in words; empty before the first check
   */
  public record ServerHealth(String upstream, ServerAddress server, boolean healthy, boolean checked,
      String reason) {}

  /** The servers that are down, as a proxy instance's view. */
  public HealthView view() {
    Map<String, Set<ServerAddress>> down = new HashMap<>();
    for (ServerHealth s : servers) {
      if (!s.healthy()) {
        down.computeIfAbsent(s.upstream(), k -> new HashSet<>()).add(s.server());
      }
    }
    Map<String, Set<ServerAddress>> frozen = new HashMap<>();
    down.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
    return new HealthView(frozen);
  }
}
