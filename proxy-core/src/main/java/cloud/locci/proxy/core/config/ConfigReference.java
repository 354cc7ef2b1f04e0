package cloud.locci.proxy.core.config;

import cloud.locci.proxy.core.config.ConfigSchema.Key;
import java.util.List;
import java.util.Optional;

/**
 * The README's key table and the lookup of concrete paths, both read from {@link ConfigSchema} (where
 * every key is declared).
 *
 * <p>It cannot drift from the binder because tests hold them together: binding the full example
 * records every key the binder asks for, and each must be declared, and each declared key must be
 * asked for; the full example must contain every declared key; integer ranges and defaults are probed
 * against the binder; the README table must equal {@link #markdownTable()}.
 */
public final class ConfigReference {

  /** The map whose entries have the same keys as the top-level {@code middlewares.<name>}. */
  static final String GATEWAY_MIDDLEWARES = ConfigSchema.GATEWAY_MIDDLEWARES;

  private ConfigReference() {}

  /** Every key, parents before children, in the order of the README table. */
  public static List<Key> keys() {
    return ConfigSchema.keys();
  }

  /**
   * The key that describes a concrete path such as {@code upstreams.users.servers[1].weight} or
   * {@code api_gateway.middlewares.strict.burst_size}; empty when no declared key matches.
   */
  static Optional<Key> lookup(String concretePath) {
    String normalized = concretePath.replaceAll("\\[\\d+]", "[]");
    if (normalized.startsWith(GATEWAY_MIDDLEWARES + ".")) {
      normalized = "middlewares." + normalized.substring(GATEWAY_MIDDLEWARES.length() + 1);
    }
    String[] segments = normalized.split("\\.", -1);
    for (Key k : ConfigSchema.keys()) {
      if (matches(k.path().split("\\.", -1), segments)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  private static boolean matches(String[] pattern, String[] segments) {
    if (pattern.length != segments.length) {
      return false;
    }
    for (int i = 0; i < pattern.length; i++) {
      if (!pattern[i].equals(ConfigSchema.NAME) && !pattern[i].equals(segments[i])) {
        return false;
      }
    }
    return true;
  }

  /** The README's key table: a Markdown table with one row per key, ending with a newline. */
  public static String markdownTable() {
    StringBuilder out = new StringBuilder("| key | type | default | meaning |\n|---|---|---|---|\n");
    for (Key k : ConfigSchema.keys()) {
      out.append("| `").append(k.path()).append("` | ").append(cell(k.type())).append(" | ")
          .append(cell(k.defaultValue())).append(" | ").append(cell(k.meaning() + notes(k))).append(" |\n");
    }
    return out.toString();
  }

  /** What the flags say, appended to the meaning so the table shows it. */
  private static String notes(Key k) {
    StringBuilder s = new StringBuilder();
    if (k.has(ConfigSchema.Flag.RESTART)) {
      s.append(" (restart to apply)");
    } else if (k.has(ConfigSchema.Flag.LISTENER)) {
      s.append(" (restart to apply, unless `server.bind_address` changes too)");
    } else if (k.has(ConfigSchema.Flag.LIVE)) {
      s.append(" (applied on reload; adding or removing it needs a restart)");
    }
    if (k.has(ConfigSchema.Flag.SECRET)) {
      s.append(" (secret: shown as `***`)");
    }
    if (k.has(ConfigSchema.Flag.API_MUTABLE)) {
      s.append(" (changeable through `POST /api/v1/upstreams`)");
    }
    return s.toString();
  }

  private static String cell(String text) {
    return text.replace("|", "\\|");
  }
}
