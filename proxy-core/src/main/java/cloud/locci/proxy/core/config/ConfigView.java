package cloud.locci.proxy.core.config;

import cloud.locci.proxy.core.config.ConfigSchema.Flag;
import cloud.locci.proxy.core.config.ConfigSchema.Key;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration as JSON, written from {@link ConfigSchema}: the YAML's snake_case keys in
 * declaration order, effective values (defaults filled in, flags and environment applied), absent
 * optional keys left out, secrets as {@value #MASK}. JSON is YAML, so this text read back by
 * {@link ConfigLoader#parse} gives the same configuration (secrets aside). Also decides which changed
 * keys a reload cannot apply ({@link #restartRequired}).
 */
public final class ConfigView {

  /** What the view shows instead of a secret's value. */
  public static final String MASK = "***";

  private ConfigView() {}

  /** The whole configuration, secrets masked ({@code GET /api/v1/config}). */
  public static JsonObject json(ProxyConfig config) {
    return json(config, true);
  }

  /** The whole configuration; {@code redact} false only for comparisons that never leave the process. */
  static JsonObject json(ProxyConfig config, boolean redact) {
    return section(config, "", redact);
  }

  /** One upstream group, as {@code upstreams.<name>} holds it. */
  public static JsonObject upstream(UpstreamConfig upstream) {
    return section(upstream, "upstreams." + ConfigSchema.NAME, true);
  }

  /** One route, as {@code api_gateway.routes.<name>} holds it (without its name). */
  public static JsonObject route(RouteConfig route) {
    return section(route, "api_gateway.routes." + ConfigSchema.NAME, true);
  }

  /** One middleware instance, as {@code middlewares.<name>} holds it, secrets masked. */
  public static JsonObject middleware(MiddlewareConfig middleware) {
    return section(middleware, "middlewares." + ConfigSchema.NAME, true);
  }

  /** The declared keys of the section at {@code schemaPath} that {@code value} has. */
  static JsonObject section(Object value, String schemaPath, boolean redact) {
    JsonObject out = new JsonObject();
    for (Key k : ConfigSchema.children(schemaPath)) {
      if (k.has(Flag.ALIAS)) {
        continue;
      }
      Object v = k.read(value);
      if (v != null) {
        out.put(k.name(), value(k, v, redact));
      }
    }
    return out;
  }

  private static Object value(Key k, Object v, boolean redact) {
    if (redact && k.has(Flag.SECRET)) {
      return MASK;
    }
    if (k.isNames()) {
      JsonObject names = new JsonObject();
      String entries = k.path() + "." + ConfigSchema.NAME;
      // A map of names to plain values (match_headers, request_headers.set) rather than to sections.
      boolean scalars = ConfigSchema.key(entries).map(e -> !e.isSection()).orElse(false);
      ((Map<?, ?>) v).forEach((name, entry) -> names.put(String.valueOf(name),
          scalars ? scalar(entry) : section(entry, entries, redact)));
      return names;
    }
    if (k.isSection()) {
      return section(v, k.path(), redact);
    }
    if (v instanceof List<?> list) {
      String items = k.path() + "[]";
      boolean objects = !ConfigSchema.children(items).isEmpty();
      JsonArray array = new JsonArray();
      list.forEach(item -> array.add(objects ? section(item, items, redact) : scalar(item)));
      return array;
    }
    return scalar(v);
  }

  private static Object scalar(Object v) {
    return v instanceof String || v instanceof Number || v instanceof Boolean ? v : String.valueOf(v);
  }

  /**
   * The keys changed from {@code before} to {@code after} that a running process cannot apply: those
   * declared {@link Flag#RESTART}, and those declared {@link Flag#LISTENER} unless
   * {@code server.bind_address} changed too (the new listener then opens with the new options). A
   * {@link Flag#LIVE} section inside one of them is left out of the comparison, but adding or removing
   * it is reported under its own path. In declaration order.
   */
  public static List<String> restartRequired(ProxyConfig before, ProxyConfig after) {
    JsonObject a = json(before, false);
    JsonObject b = json(after, false);
    boolean listenerMoved = !before.server().bindAddress().equals(after.server().bindAddress());
    List<String> out = new ArrayList<>();
    for (Key k : ConfigSchema.keys()) {
      boolean restart = k.has(Flag.RESTART) || k.has(Flag.LISTENER);
      if (!restart || k.path().contains(ConfigSchema.NAME) || k.path().contains("[]")
          || (k.has(Flag.LISTENER) && listenerMoved)) {
        continue;
      }
      List<Key> live = ConfigSchema.keys().stream()
          .filter(d -> d.has(Flag.LIVE) && d.path().startsWith(k.path() + ".")).toList();
      Object va = without(at(a, k.path()), k.path(), live);
      Object vb = without(at(b, k.path()), k.path(), live);
      if (!Objects.equals(va, vb)) {
        out.add(k.path());
        continue;
      }
      for (Key d : live) {
        if ((at(a, d.path()) == null) != (at(b, d.path()) == null)) {
          out.add(d.path());
        }
      }
    }
    return out;
  }

  /**
   * The key paths whose values differ between the two configurations (concrete names, list items as a
   * whole list): the leaves that changed, or the mapping that appeared or disappeared. Values never
   * leave this method.
   */
  public static List<String> changedKeys(ProxyConfig before, ProxyConfig after) {
    List<String> out = new ArrayList<>();
    compare(json(before, false), json(after, false), "", out);
    return out;
  }

  private static void compare(JsonObject a, JsonObject b, String path, List<String> out) {
    java.util.Set<String> names = new java.util.LinkedHashSet<>(a.fieldNames());
    names.addAll(b.fieldNames());
    for (String name : names) {
      String p = path.isEmpty() ? name : path + "." + name;
      Object va = a.getValue(name);
      Object vb = b.getValue(name);
      if (va instanceof JsonObject oa && vb instanceof JsonObject ob) {
        compare(oa, ob, p, out);
      } else if (!Objects.equals(va, vb)) {
        out.add(p);
      }
    }
  }

  /** The value at a dotted path of fixed keys, or null. */
  private static Object at(JsonObject root, String path) {
    Object node = root;
    for (String segment : path.split("\\.")) {
      if (!(node instanceof JsonObject o)) {
        return null;
      }
      node = o.getValue(segment);
    }
    return node;
  }

  /** {@code value} (at {@code path}) with the subtrees of {@code live} removed. */
  private static Object without(Object value, String path, List<Key> live) {
    if (!(value instanceof JsonObject o) || live.isEmpty()) {
      return value;
    }
    JsonObject copy = o.copy();
    for (Key d : live) {
      String[] rel = d.path().substring(path.length() + 1).split("\\.");
      JsonObject parent = copy;
      for (int i = 0; i < rel.length - 1 && parent != null; i++) {
        parent = parent.getJsonObject(rel[i]);
      }
      if (parent != null) {
        parent.remove(rel[rel.length - 1]);
      }
    }
    return copy;
  }
}
