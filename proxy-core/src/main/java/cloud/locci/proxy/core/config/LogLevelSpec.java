package cloud.locci.proxy.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A log level spec as {@code logging.level}, {@code --log-level}, {@code LOCCI_LOG} and {@code RUST_LOG}
 * give it: one level ({@code info}), per-logger levels ({@code cloud.locci=debug,io.netty=warn}), or both
 * ({@code warn,cloud.locci=debug}). The Rust version's crate name {@code locci_proxy} means
 * {@code cloud.locci}; other Rust crate names (no dot, an underscore, e.g. {@code pingora_core}) have no
 * Java counterpart and are listed in {@link #ignored()} so the caller can warn once.
 *
 * @param root the level of every logger not named, when given
 * @param loggers Java logger name to level, in the order given
 * @param ignored Rust crate names that were dropped
 * @param problems unknown levels or malformed entries, one message each
 */
public record LogLevelSpec(Optional<String> root, Map<String, String> loggers, List<String> ignored,
    List<String> problems) {

  public static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");

  public static LogLevelSpec parse(String spec) {
    Optional<String> root = Optional.empty();
    Map<String, String> loggers = new LinkedHashMap<>();
    List<String> ignored = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String part : spec.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq < 0) {
        Optional<String> level = level(p, problems);
        if (level.isPresent()) {
          root = level;
        }
        continue;
      }
      String name = p.substring(0, eq).trim();
      Optional<String> level = level(p.substring(eq + 1).trim(), problems);
      if (name.isEmpty()) {
        problems.add("\"" + p + "\" names no logger");
      } else if (level.isPresent()) {
        if (name.equals("locci_proxy") || name.startsWith("locci_proxy::")) {
          loggers.put("cloud.locci", level.get());
        } else if (name.indexOf('.') < 0 && (name.indexOf('_') >= 0 || name.contains("::"))) {
          ignored.add(name);
        } else {
          loggers.put(name, level.get());
        }
      }
    }
    return new LogLevelSpec(root, ProxyConfig.ordered(loggers), List.copyOf(ignored), List.copyOf(problems));
  }

  private static Optional<String> level(String text, List<String> problems) {
    String l = text.toLowerCase(Locale.ROOT);
    if (l.equals("warning")) {
      l = "warn";
    }
    if (LEVELS.contains(l)) {
      return Optional.of(l);
    }
    problems.add("unknown log level \"" + text + "\"; expected trace, debug, info, warn, error or off");
    return Optional.empty();
  }
}
