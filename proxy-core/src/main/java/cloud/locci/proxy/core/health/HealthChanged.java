package cloud.locci.proxy.core.health;

import cloud.locci.proxy.core.config.ServerAddress;
import java.util.Objects;

/**
 * Event on {@link cloud.locci.proxy.core.bus.Addresses#HEALTH_CHANGED}: a server of a group left or
 * rejoined the rotation. Published once per flip, never per check.
 *
 * @param reason why, e.g. {@code "GET /health answered 500"} or {@code "3 checks passed"}
 */
public record HealthChanged(String upstream, ServerAddress server, boolean healthy, String reason) {
  public HealthChanged {
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(reason, "reason");
  }
}
