package cloud.locci.proxy.core.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/** Collects the errors and key locations of one document while it is bound. */
final class YamlContext {

  private final String source;
  private final List<ConfigError> errors = new ArrayList<>();
  private final Map<String, Integer> lines = new HashMap<>();
  private final Set<String> asked = new LinkedHashSet<>();

  YamlContext(String source) {
    this.source = source;
  }

  static int line(Node node) {
    return node == null ? 0 : node.getStartMark().map(Mark::getLine).map(l -> l + 1).orElse(0);
  }

  void locate(String path, Node node) {
    int l = line(node);
    if (l > 0) {
      lines.putIfAbsent(path, l);
    }
  }

  /** Records that the binder asked for the key at {@code path} (present or not): the keys it accepts. */
  void asked(String path) {
    asked.add(path);
  }

  /** Every key path the binder asked for, list items as {@code [i]}, in the order asked. */
  Set<String> askedPaths() {
    return Collections.unmodifiableSet(asked);
  }

  void error(Node node, String path, String message) {
    errors.add(new ConfigError(source, line(node), path, message));
  }

  /** An error located at the line recorded for {@code locatedPath}. */
  void errorAt(String locatedPath, String path, String message) {
    errors.add(new ConfigError(source, lines.getOrDefault(locatedPath, 0), path, message));
  }

  List<ConfigError> errors() {
    return errors;
  }

  Locations locations() {
    return new Locations(source, lines);
  }

  Optional<String> string(Node n, String path) {
    if (n instanceof ScalarNode s && !Tag.NULL.equals(s.getTag())) {
      return Optional.of(s.getValue());
    }
    error(n, path, "expected a string, got " + YamlMap.describe(n));
    return Optional.empty();
  }

  Optional<Integer> integer(Node n, String path, int min, int max) {
    return longInteger(n, path, min, max).map(Long::intValue);
  }

  Optional<Long> longInteger(Node n, String path, long min, long max) {
    if (n instanceof ScalarNode s && Tag.INT.equals(s.getTag())) {
      // YAML 1.2 core schema: decimal (leading zeros are still decimal), 0o octal, 0x hex.
      // Long.decode would read 010 as octal 8 and refuse 09 and 0o17.
      String text = s.getValue();
      BigInteger v;
      try {
        v = text.startsWith("0x") ? new BigInteger(text.substring(2), 16)
            : text.startsWith("0o") ? new BigInteger(text.substring(2), 8)
            : new BigInteger(text);
      } catch (NumberFormatException e) {
        error(n, path, "expected an integer, got \"" + text + "\"");
        return Optional.empty();
      }
      if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
        error(n, path, "must be between " + min + " and " + max + ", got " + v);
        return Optional.empty();
      }
      return Optional.of(v.longValueExact());
    }
    error(n, path, "expected an integer, got " + YamlMap.describe(n));
    return Optional.empty();
  }

  /**
   * A number in {@code [min, max]}: an integer or a decimal such as {@code 0.25} (YAML's {@code .inf} and
   * {@code .nan} are refused).
   */
  Optional<Double> decimal(Node n, String path, double min, double max) {
    if (n instanceof ScalarNode s && (Tag.INT.equals(s.getTag()) || Tag.FLOAT.equals(s.getTag()))) {
      String text = s.getValue();
      double v;
      try {
        v = new java.math.BigDecimal(text).doubleValue();
      } catch (NumberFormatException e) {
        error(n, path, "expected a number such as 0.25, got \"" + text + "\"");
        return Optional.empty();
      }
      if (!(v >= min && v <= max)) {
        error(n, path, "must be between " + min + " and " + max + ", got " + text);
        return Optional.empty();
      }
      return Optional.of(v);
    }
    error(n, path, "expected a number, got " + YamlMap.describe(n));
    return Optional.empty();
  }
}
