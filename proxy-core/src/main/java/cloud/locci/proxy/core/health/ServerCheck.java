package cloud.locci.proxy.core.health;

import cloud.locci.proxy.core.config.ServerAddress;
import io.vertx.core.Future;

/**
 * The active-check state of one server of one group: up or down, consecutive results toward the
 * thresholds, the last outcome, and the timer and in-flight flag of its checks. Owned by the
 * {@link HealthCheckVerticle}: read and written only on its context, so no synchronisation.
 */
final class ServerCheck {

  final String upstream;
  final ServerAddress address;
  final CheckSpec spec;

  private boolean healthy;
  private int successes;
  private int failures;
  private String reason = "";
  /** The check in flight, or null: at most one at a time, a tick that finds one running is skipped. */
  Future<String> running;
  /** Periodic timer of this server's checks; -1 before it is set. */
  long timerId = -1;
  /** Set when the server is no longer checked: a result arriving late is dropped. */
  boolean stopped;

  /**
   * @param healthy the state to start from: true for a new server (SPEC §10: servers start healthy),
   *     the previous state when only the group's check settings changed
   */
  ServerCheck(String upstream, ServerAddress address, CheckSpec spec, boolean healthy) {
    this.upstream = upstream;
    this.address = address;
    this.spec = spec;
    this.healthy = healthy;
  }

  boolean healthy() {
    return healthy;
  }

  /** The last check's outcome in words; empty before the first check. */
  String reason() {
    return reason;
  }

  /**
   * Counts one check result against the thresholds.
   *
   * @param ok whether the check passed
   * @param outcome what happened, in words
   * @return true when the server flipped (left or rejoined the rotation) with this result
   */
  boolean record(boolean ok, String outcome) {
    reason = outcome;
    if (ok) {
      failures = 0;
      // Capped: the count only matters up to the threshold, and must not overflow in a long life.
      successes = Math.min(successes + 1, spec.check().healthyThreshold());
      if (!healthy && successes >= spec.check().healthyThreshold()) {
        healthy = true;
        return true;
      }
    } else {
      successes = 0;
      failures = Math.min(failures + 1, spec.check().unhealthyThreshold());
      if (healthy && failures >= spec.check().unhealthyThreshold()) {
        healthy = false;
        return true;
      }
    }
    return false;
  }

  /** Why the server just flipped, for the event and the log line. */
  String flipReason() {
    int n = healthy ? spec.check().healthyThreshold() : spec.check().unhealthyThreshold();
    if (n == 1) {
      return reason;
    }
    return reason + " (" + n + " consecutive " + (healthy ? "successes" : "failures") + ")";
  }
}
