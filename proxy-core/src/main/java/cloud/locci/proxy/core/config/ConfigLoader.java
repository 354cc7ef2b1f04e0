package cloud.locci.proxy.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads a configuration file into a validated {@link ProxyConfig}: YAML with line numbers, binding,
 * overlays (flags and environment win over the file), then validation. Every error is reported at once,
 * in file order; nothing is returned unless the whole configuration is valid.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /**
   * Loads and validates {@code file} with {@code overrides} applied.
   *
   * @throws ConfigException with every error when the file is missing, unreadable or invalid
   */
  public static ProxyConfig load(Path file, ConfigOverrides overrides) throws ConfigException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(List.of(new ConfigError(file.toString(), 0, "",
          "file not found (working directory " + Path.of("").toAbsolutePath() + ")")));
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigError(file.toString(), 0, "", "cannot read: " + e.getMessage())));
    }
    return parse(text, file.toString(), overrides);
  }

  /** Like {@link #load}, for YAML already in memory; {@code source} names it in errors. */
  public static ProxyConfig parse(String yaml, String source, ConfigOverrides overrides) throws ConfigException {
    YamlContext ctx = new YamlContext(source);
    Node root = compose(yaml, source);
    ConfigBinder binder = new ConfigBinder(ctx);
    Optional<ProxyConfig> bound = binder.bind(root, overrides.mode());
    List<ConfigError> errors = new ArrayList<>(ctx.errors());
    if (bound.isPresent()) {
      ProxyConfig config = overrides.applyTo(bound.get());
      for (ConfigError e : ConfigValidator.validate(config, ctx.locations(), !binder.modeGuessed())) {
        if (!echoes(e, ctx.errors())) {
          errors.add(e);
        }
      }
      if (errors.isEmpty()) {
        return config;
      }
    }
    throw new ConfigException(inFileOrder(errors));
  }

  /**
   * The key paths the binder asks for while binding {@code yaml}: every key it accepts in the sections
   * present, whether written or not. Lets a test hold {@link ConfigSchema} to the binder.
   */
  static Set<String> askedKeys(String yaml, String source) throws ConfigException {
    YamlContext ctx = new YamlContext(source);
    new ConfigBinder(ctx).bind(compose(yaml, source), Optional.empty());
    return ctx.askedPaths();
  }

  /**
   * Whether a check made after binding only repeats a binding error at or inside the same key: the
   * binder drops what it cannot read, so the validator then sees an empty server list where the only
   * server had a scheme, or a load_balancer section without its (mistyped) upstream.
   */
  private static boolean echoes(ConfigError check, List<ConfigError> bindingErrors) {
    String p = check.path();
    return bindingErrors.stream().map(ConfigError::path)
        .anyMatch(b -> b.equals(p) || b.startsWith(p + ".") || b.startsWith(p + "["));
  }

  /**
   * Reads one route from YAML or JSON text (JSON is YAML), as the control API receives it.
   *
   * @throws ConfigException when a key is unknown, of the wrong type or missing
   */
  public static RouteConfig parseRoute(String name, String text, String source) throws ConfigException {
    YamlContext ctx = new YamlContext(source);
    Node root = compose(text, source);
    Optional<RouteConfig> route = YamlMap.of(ctx, name, "api_gateway.routes." + ConfigSchema.NAME, root)
        .flatMap(m -> new ConfigBinder(ctx).route(name, m));
    return orThrow(route, ctx);
  }

  /** Reads one upstream group from YAML or JSON text, as the control API receives it. */
  public static UpstreamConfig parseUpstream(String name, String text, String source) throws ConfigException {
    YamlContext ctx = new YamlContext(source);
    Node root = compose(text, source);
    Optional<UpstreamConfig> upstream =
        YamlMap.of(ctx, name, "upstreams." + ConfigSchema.NAME, root).flatMap(m -> new ConfigBinder(ctx).upstream(name, m));
    return orThrow(upstream, ctx);
  }

  /**
   * {@code existing} with the values of {@code keys} taken from {@code requested}: both written as the
   * schema's JSON view, merged, and read back by the binder, so a key flagged {@code API_MUTABLE} in
   * {@link ConfigSchema} needs no code of its own to be changeable.
   *
   * @throws ConfigException when the merged group does not bind (a bug: both halves did)
   */
  public static UpstreamConfig withKeys(UpstreamConfig existing, UpstreamConfig requested, Set<String> keys)
      throws ConfigException {
    String schemaPath = "upstreams." + ConfigSchema.NAME;
    io.vertx.core.json.JsonObject merged = ConfigView.section(existing, schemaPath, false);
    io.vertx.core.json.JsonObject given = ConfigView.section(requested, schemaPath, false);
    for (String key : keys) {
      Object value = given.getValue(key);
      if (value == null) {
        merged.remove(key);
      } else {
        merged.put(key, value);
      }
    }
    return parseUpstream(existing.name(), merged.encode(), "control API");
  }

  private static <T> T orThrow(Optional<T> value, YamlContext ctx) throws ConfigException {
    if (value.isPresent() && ctx.errors().isEmpty()) {
      return value.get();
    }
    List<ConfigError> errors = ctx.errors();
    throw new ConfigException(errors.isEmpty()
        ? List.of(new ConfigError("control API", 0, "", "invalid value")) : inFileOrder(errors));
  }

  private static Node compose(String text, String source) throws ConfigException {
    LoadSettings settings = LoadSettings.builder()
        .setLabel(source)
        .setSchema(new CoreSchema())
        .setAllowRecursiveKeys(false)
        .setMaxAliasesForCollections(50)
        .build();
    try {
      Optional<Node> node = new Compose(settings).composeString(text);
      if (node.isEmpty()) {
        throw new ConfigException(List.of(new ConfigError(source, 0, "", "the file is empty")));
      }
      return node.get();
    } catch (MarkedYamlEngineException e) {
      int line = e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(0);
      String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
      String context = e.getContext() == null ? "" : e.getContext() + ": ";
      throw new ConfigException(List.of(new ConfigError(source, line, "", "invalid YAML: " + context + problem)));
    } catch (YamlEngineException e) {
      throw new ConfigException(List.of(new ConfigError(source, 0, "", "invalid YAML: " + e.getMessage())));
    }
  }

  private static List<ConfigError> inFileOrder(List<ConfigError> errors) {
    List<ConfigError> sorted = new ArrayList<>(errors);
    sorted.sort(Comparator.comparingInt((ConfigError e) -> e.line() == 0 ? Integer.MAX_VALUE : e.line()));
    return sorted;
  }
}
