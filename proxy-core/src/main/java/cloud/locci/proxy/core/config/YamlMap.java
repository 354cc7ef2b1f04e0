package cloud.locci.proxy.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * A typed view of one YAML mapping that records every problem instead of throwing, so that one pass
 * reports all of them. Each getter marks its key as known; {@link #finish()} then reports the keys
 * nobody asked for, with a "did you mean" when a known key is close.
 */
final class YamlMap {

  private final YamlContext ctx;
  private final String path;
  // The path as ConfigSchema declares it (<name> for user-chosen names, [] for list items): where the
  // typed getters find a key's range and default.
  private final String schemaPath;
  private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
  private final Set<String> known = new TreeSet<>();

  private YamlMap(YamlContext ctx, String path, String schemaPath, MappingNode node) {
    this.ctx = ctx;
    this.path = path;
    this.schemaPath = schemaPath;
    // A nested mapping is already located at its key; the document itself only here.
    ctx.locate(path, node);
    for (NodeTuple tuple : node.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode scalar)) {
        ctx.error(keyNode, path, "keys must be plain names");
        continue;
      }
      String key = scalar.getValue();
      if (entries.containsKey(key)) {
        ctx.error(keyNode, child(key), "duplicate key \"" + key + "\" (first at line "
            + YamlContext.line(entries.get(key).getKeyNode()) + ")");
        continue;
      }
      entries.put(key, tuple);
      ctx.locate(child(key), keyNode);
    }
  }

  /** The document's top level: a view of {@code node}, or empty (with an error) when it is not a mapping. */
  static Optional<YamlMap> root(YamlContext ctx, Node node) {
    return of(ctx, "", "", node);
  }

  /**
   * A view of {@code node} at {@code path}, declared in {@link ConfigSchema} at {@code schemaPath}
   * (e.g. {@code upstreams.<name>} for {@code upstreams.users}); empty (with an error) when it is not a
   * mapping.
   */
  static Optional<YamlMap> of(YamlContext ctx, String path, String schemaPath, Node node) {
    if (node instanceof MappingNode mapping) {
      return Optional.of(new YamlMap(ctx, path, schemaPath, mapping));
    }
    if (isNull(node)) {
      return Optional.of(new YamlMap(ctx, path, schemaPath, new MappingNode(Tag.MAP, List.of(), FlowStyle.BLOCK)));
    }
    ctx.error(node, path, "expected a mapping of keys, got " + describe(node));
    return Optional.empty();
  }

  String path() {
    return path;
  }

  String child(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The schema path of {@code key} in this mapping. */
  String schemaChild(String key) {
    return schemaPath.isEmpty() ? key : schemaPath + "." + key;
  }

  /** The declaration of {@code key} in this mapping; a key the schema lacks is a programming error. */
  ConfigSchema.Key declared(String key) {
    return ConfigSchema.require(schemaChild(key));
  }

  boolean has(String key) {
    ask(key);
    NodeTuple t = entries.get(key);
    return t != null && !isNull(t.getValueNode());
  }

  /** Names of all keys, in YAML order (for maps of user-chosen names: upstreams, routes). */
  List<String> keys() {
    known.addAll(entries.keySet());
    return List.copyOf(entries.keySet());
  }

  Optional<Node> node(String key) {
    ask(key);
    NodeTuple t = entries.get(key);
    if (t == null || isNull(t.getValueNode())) {
      return Optional.empty();
    }
    return Optional.of(t.getValueNode());
  }

  /** Reports a missing required key (at this mapping's line). */
  void missing(String key, String hint) {
    ctx.errorAt(path, child(key), "missing required key" + (hint.isEmpty() ? "" : " (" + hint + ")"));
  }

  Optional<YamlMap> map(String key) {
    return node(key).flatMap(n -> of(ctx, child(key), schemaChild(key), n));
  }

  /**
   * The entry {@code name} of a map of user-chosen names (declared as {@code <name>}). Like {@link #map},
   * but a name written without a value ({@code cors:}) reads as an empty mapping, so the entry is kept
   * and its missing required keys are reported instead of it vanishing silently.
   */
  Optional<YamlMap> namedEntry(String name) {
    known.add(name);
    ctx.asked(child(name));
    NodeTuple t = entries.get(name);
    return t == null ? Optional.empty() : of(ctx, child(name), schemaChild(ConfigSchema.NAME), t.getValueNode());
  }

  /** An item of the list {@code key} read as a mapping (declared as {@code key[]}). */
  Optional<YamlMap> item(String key, Node node, String itemPath) {
    return of(ctx, itemPath, schemaChild(key + "[]"), node);
  }

  Optional<String> string(String key) {
    return node(key).flatMap(n -> ctx.string(n, child(key)));
  }

  /** The boolean {@code key}, or its declared default when absent. */
  boolean boolValue(String key) {
    return bool(key).orElseGet(() -> (Boolean) typedDefault(key));
  }

  Optional<Boolean> bool(String key) {
    return node(key).flatMap(n -> {
      if (n instanceof ScalarNode s && Tag.BOOL.equals(s.getTag())) {
        return Optional.of(Boolean.parseBoolean(s.getValue().toLowerCase()));
      }
      ctx.error(n, child(key), "expected true or false, got " + describe(n));
      return Optional.empty();
    });
  }

  /** An integer in the range {@link ConfigSchema} declares for {@code key}; empty when absent or invalid. */
  Optional<Integer> integer(String key) {
    long[] range = range(key);
    return node(key).flatMap(n -> ctx.integer(n, child(key), (int) range[0], (int) range[1]));
  }

  /** Like {@link #integer}, with the declared default when absent or invalid. */
  int intValue(String key) {
    return integer(key).orElseGet(() -> ((Number) typedDefault(key)).intValue());
  }

  /** An integer in the declared range that may exceed an int (byte sizes). */
  Optional<Long> longInteger(String key) {
    long[] range = range(key);
    return node(key).flatMap(n -> ctx.longInteger(n, child(key), range[0], range[1]));
  }

  /** A number (integer or decimal) in the declared range. */
  Optional<Double> decimal(String key) {
    ConfigSchema.Key k = declared(key);
    if (!(k.min() instanceof Double lo) || !(k.max() instanceof Double hi)) {
      throw new IllegalStateException(k.path() + " is not declared as a decimal");
    }
    return node(key).flatMap(n -> ctx.decimal(n, child(key), lo, hi));
  }

  /** Like {@link #decimal}, with the declared default when absent or invalid. */
  double decimalValue(String key) {
    return decimal(key).orElseGet(() -> ((Number) typedDefault(key)).doubleValue());
  }

  private long[] range(String key) {
    ConfigSchema.Key k = declared(key);
    return k.integerRange().orElseThrow(() -> new IllegalStateException(k.path() + " is not declared as an integer"));
  }

  private Object typedDefault(String key) {
    ConfigSchema.Key k = declared(key);
    if (k.typedDefault() == null) {
      throw new IllegalStateException(k.path() + " has no declared default");
    }
    return k.typedDefault();
  }

  /** A list whose items are read by {@code item} (which gets each item's path); absent is empty. */
  <T> List<T> list(String key, ItemReader<T> item) {
    Optional<Node> n = node(key);
    if (n.isEmpty()) {
      return List.of();
    }
    String listPath = child(key);
    if (!(n.get() instanceof SequenceNode seq)) {
      ctx.error(n.get(), listPath, "expected a list, got " + describe(n.get()));
      return List.of();
    }
    List<T> out = new ArrayList<>();
    List<Node> items = seq.getValue();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = listPath + "[" + i + "]";
      ctx.locate(itemPath, items.get(i));
      item.read(items.get(i), itemPath).ifPresent(out::add);
    }
    return out;
  }

  List<String> strings(String key) {
    return list(key, ctx::string);
  }

  /** Reads each entry of a map of user-chosen names (upstreams, routes) with {@code reader}. */
  <T> Map<String, T> entries(String key, BiFunction<String, YamlMap, Optional<T>> reader) {
    Map<String, T> out = new LinkedHashMap<>();
    map(key).ifPresent(m -> {
      for (String name : m.keys()) {
        m.namedEntry(name).flatMap(entry -> reader.apply(name, entry)).ifPresent(v -> out.put(name, v));
      }
    });
    return out;
  }

  // Every getter funnels through here: what it marks known is exactly what the binder accepts, and the
  // context keeps the full path so ConfigReferenceTest can compare the binder with ConfigSchema.
  private void ask(String key) {
    declared(key); // a key the schema does not declare is a programming error, caught by any test binding it
    known.add(key);
    ctx.asked(child(key));
  }

  /** Reports every key of this mapping that no getter asked for. */
  void finish() {
    for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
      if (!known.contains(e.getKey())) {
        String suggestion = DidYouMean.closest(e.getKey(), known)
            .map(s -> "; did you mean \"" + s + "\"?")
            .or(() -> elsewhere(e.getKey()))
            .orElse("; known keys here: " + String.join(", ", known));
        ctx.error(e.getValue().getKeyNode(), child(e.getKey()), "unknown key" + suggestion);
      }
    }
  }

  /**
   * Where a key of this exact name is declared instead: another section ("it is a key of
   * api_gateway.routes.<name>") or, in a middleware instance, another type ("it is a rate_limiting
   * key"). Middleware keys' meanings start with their type and a colon.
   */
  private Optional<String> elsewhere(String key) {
    String here = ConfigSchema.canonical(schemaPath);
    List<String> sections = new ArrayList<>();
    for (ConfigSchema.Key k : ConfigSchema.keys()) {
      if (!k.name().equals(key)) {
        continue;
      }
      String parent = ConfigSchema.parentOf(k.path());
      if (parent.equals(here)) {
        int colon = k.meaning().indexOf(':');
        String type = colon > 0 ? k.meaning().substring(0, colon) : "";
        return Optional.of(MiddlewareConfig.TYPES.contains(type)
            ? "; it is a " + type + " key, not one of this middleware's type"
            : "; known keys here: " + String.join(", ", known));
      }
      sections.add(parent.isEmpty() ? "the top level" : parent);
    }
    if (sections.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("; it is a key of " + String.join(" and ", sections.subList(0, Math.min(3, sections.size())))
        + ", not of " + (here.isEmpty() ? "the top level" : here));
  }

  static boolean isNull(Node n) {
    return n == null || (n instanceof ScalarNode s && Tag.NULL.equals(s.getTag()));
  }

  static String describe(Node n) {
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    if (n instanceof ScalarNode s) {
      Tag t = s.getTag();
      String kind = Tag.INT.equals(t) ? "integer" : Tag.FLOAT.equals(t) ? "number"
          : Tag.BOOL.equals(t) ? "boolean" : Tag.NULL.equals(t) ? "null" : "string";
      return kind + " \"" + s.getValue() + "\"";
    }
    return "something else";
  }

  /** Reads one list item at its path; empty (with an error recorded) when it is invalid. */
  @FunctionalInterface
  interface ItemReader<T> {
    Optional<T> read(Node node, String path);
  }
}
