package cloud.locci.proxy.core.config;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each key path was written: the source name and the line of every key the loader read, so that
 * checks made after binding (unknown upstream, invalid regex, missing file) can still name the line.
 */
public final class Locations {

  private final String source;
  private final Map<String, Integer> lines;

  Locations(String source, Map<String, Integer> lines) {
    this.source = source;
    this.lines = Collections.unmodifiableMap(new HashMap<>(lines));
  }

  /** Locations of a configuration that came from no file (tests, API changes). */
  public static Locations none(String source) {
    return new Locations(source, Map.of());
  }

  public String source() {
    return source;
  }

  /**
   * The line of {@code path}, or of its nearest ancestor that has one, or of the document itself (a
   * top-level key that is absent); 0 when none is known.
   */
  public int lineOf(String path) {
    String p = path;
    while (true) {
      Integer line = lines.get(p);
      if (line != null) {
        return line;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) {
        return lines.getOrDefault("", 0);
      }
      p = p.substring(0, cut);
    }
  }

  /** An error at {@code path}, located. */
  public ConfigError error(String path, String message) {
    return new ConfigError(source, lineOf(path), path, message);
  }
}
