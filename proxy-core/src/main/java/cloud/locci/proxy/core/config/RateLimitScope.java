package cloud.locci.proxy.core.config;

import java.util.Optional;

/** {@code rate_limiting.scope}: whose budget {@code requests_per_minute} and {@code burst_size} are. */
public enum RateLimitScope {
  /** Each node enforces the whole budget on its own (the default). */
  LOCAL,
  /**
   * The budget is the cluster's: each node enforces the budget divided by the number of live members,
   * recomputed when a member joins or leaves. Outside cluster mode the node is alone and has it whole.
   */
  CLUSTER;

  /** The word used in the file. */
  public String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Parses {@code local} or {@code cluster}. */
  public static Optional<RateLimitScope> parse(String s) {
    for (RateLimitScope v : values()) {
      if (v.yamlName().equals(s)) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }
}
