package cloud.locci.proxy.core.config;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import cloud.locci.proxy.core.config.ConfigSchema.Key;
import cloud.locci.proxy.core.config.LoggingConfig.LogFormat;
import cloud.locci.proxy.core.config.MiddlewareConfig.Authentication;
import cloud.locci.proxy.core.config.MiddlewareConfig.Cors;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateLimiting;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;

/**
 * Holds {@link ConfigReference} to the binder, to {@code examples/config-full.yaml} and to README.md,
 * so none of them can drift from the others.
 *
 * <p>After changing the reference, regenerate the README table with
 * {@code mvn -B -q -pl proxy-core test -Dtest=ConfigReferenceTest -Dlocci.updateReadme=true}.
 */
class ConfigReferenceTest {

  static final String START = "<!-- config-reference:start -->";
  static final String END = "<!-- config-reference:end -->";

  @TempDir
  Path certs;

  @Test
  void everyPathIsUniqueAndParentsComeFirst() {
    Set<String> seen = new LinkedHashSet<>();
    for (Key k : ConfigReference.keys()) {
      assertThat(seen.add(k.path())).as("duplicate %s", k.path()).isTrue();
      int dot = k.path().lastIndexOf('.');
      if (dot > 0) {
        String parent = k.path().substring(0, dot).replace("[]", "");
        assertThat(seen).as("parent of %s listed before it", k.path()).contains(parent);
      }
    }
  }

  @Test
  void theBinderAcceptsExactlyTheListedKeys() throws Exception {
    // Binding records every key a getter asks for, present or not, in every section that exists; the
    // full example has every section (see the next test), so this is every key the binder accepts.
    Set<String> asked = ConfigLoader.askedKeys(FullExample.withFilesIn(certs), FullExample.SOURCE);

    List<String> unlisted = asked.stream().filter(p -> ConfigReference.lookup(p).isEmpty()).collect(Collectors.toList());
    assertThat(unlisted).as("keys the binder accepts that ConfigReference does not list: add them there,"
        + " and to examples/config-full.yaml").isEmpty();

    Set<String> covered = asked.stream().map(ConfigReference::lookup).flatMap(Optional::stream)
        .map(Key::path).collect(Collectors.toSet());
    List<String> neverAsked = ConfigReference.keys().stream().map(Key::path).filter(p -> !covered.contains(p))
        .collect(Collectors.toList());
    assertThat(neverAsked).as("keys ConfigReference lists that the binder never asked for").isEmpty();
  }

  @Test
  void theFullExampleWritesEveryListedKey() throws Exception {
    List<String> written = FullExample.keyPaths(FullExample.tree(FullExample.rawText()));

    Set<String> covered = new LinkedHashSet<>();
    for (String path : written) {
      Optional<Key> key = ConfigReference.lookup(path);
      assertThat(key).as("%s in examples/config-full.yaml is not a listed key", path).isPresent();
      covered.add(key.get().path());
    }
    List<String> missing = ConfigReference.keys().stream().map(Key::path).filter(p -> !covered.contains(p))
        .collect(Collectors.toList());
    assertThat(missing).as("keys missing from examples/config-full.yaml").isEmpty();
  }

  @Test
  void integerRangesAreTheBindersRanges() throws Exception {
    String text = FullExample.withFilesIn(certs);
    List<String> written = FullExample.keyPaths(FullExample.tree(text));
    int probed = 0;
    for (Key key : ConfigReference.keys()) {
      Optional<long[]> range = key.integerRange();
      if (range.isEmpty()) {
        continue;
      }
      String path = written.stream().filter(p -> ConfigReference.lookup(p).equals(Optional.of(key))).findFirst()
          .orElseThrow(() -> new AssertionError(key.path() + " is not in examples/config-full.yaml"));
      long min = range.get()[0];
      long max = range.get()[1];
      assertThat(errorsWith(text, path, min)).as("%s = %d (its minimum)", path, min).isEmpty();
      assertThat(errorsWith(text, path, max)).as("%s = %d (its maximum)", path, max).isEmpty();
      // Other errors may follow from the refused value (a route naming a middleware that was dropped).
      assertThat(errorsWith(text, path, (long) min - 1)).as("%s = %d", path, min - 1).contains(path);
      assertThat(errorsWith(text, path, (long) max + 1)).as("%s = %d", path, max + 1L).contains(path);
      probed++;
    }
    assertThat(probed).as("integer keys probed").isGreaterThanOrEqualTo(20);
  }

  /** The paths of the errors of {@code yaml} with the key at {@code path} set to {@code value}. */
  private static List<String> errorsWith(String yaml, String path, long value) {
    Object tree = FullExample.tree(yaml);
    set(tree, path, value);
    String changed = new Dump(DumpSettings.builder().build()).dumpToString(tree);
    try {
      ConfigLoader.parse(changed, FullExample.SOURCE, ConfigOverrides.none());
      return List.of();
    } catch (ConfigException e) {
      return e.errors().stream().map(ConfigError::path).collect(Collectors.toList());
    }
  }

  private static final Pattern SEGMENT = Pattern.compile("([^\\[]+)(?:\\[(\\d+)])?");

  @SuppressWarnings("unchecked")
  private static void set(Object tree, String path, Object value) {
    String[] segments = path.split("\\.");
    Object node = tree;
    for (int i = 0; i < segments.length; i++) {
      Matcher m = SEGMENT.matcher(segments[i]);
      assertThat(m.matches()).as(segments[i]).isTrue();
      Map<String, Object> map = (Map<String, Object>) node;
      if (i == segments.length - 1) {
        map.put(m.group(1), value);
        return;
      }
      node = map.get(m.group(1));
      if (m.group(2) != null) {
        node = ((List<Object>) node).get(Integer.parseInt(m.group(2)));
      }
    }
  }

  /** Every optional key's value when absent, with its parent section present. */
  private static final String DEFAULTS = """
      mode: api_gateway
      server: {}
      logging: {}
      upstreams:
        plain: {servers: ["10.0.0.1:80"]}
        sectioned:
          servers: [{address: "10.0.0.2:80"}]
          health_check: {}
          passive: {}
      load_balancer: {upstream: plain}
      api_gateway:
        routes:
          r: {path_pattern: "^/", upstream: plain}
          mirrored: {path_pattern: "^/m", upstream: plain, mirror: {upstream: plain}}
        middlewares:
          rate_limiting: {requests_per_minute: 60}
          allow_only: {type: ip_filter, allow: ["10.0.0.0/8"]}
          deny_only: {type: ip_filter, deny: ["10.0.0.0/8"]}
          gzip: {type: compression}
          authentication: {jwt_secret: 0123456789abcdef0123456789abcdef-test}
          cors: {}
      control_api: {}
      cluster: {}
      """;

  /** The ACME section with only its required key (http-01, the default challenge, needs the plain listener). */
  private static AcmeConfig acme() {
    try {
      return ConfigLoader.parse("""
          mode: load_balancer
          server: {http_bind_address: "0.0.0.0:80", tls: {acme: {domains: [a.example.com]}}}
          upstreams: {plain: {servers: ["10.0.0.1:80"]}}
          load_balancer: {upstream: plain}
          """, "acme.yaml", ConfigOverrides.none()).server().tls().orElseThrow().acme().orElseThrow();
    } catch (ConfigException e) {
      throw new IllegalStateException(e);
    }
  }

  private static UpstreamConfig plain(ProxyConfig c) {
    return c.upstreams().get("plain");
  }

  private static UpstreamConfig sectioned(ProxyConfig c) {
    return c.upstreams().get("sectioned");
  }

  private static RouteConfig route(ProxyConfig c) {
    return c.routes().get(0);
  }

  private static RateLimiting rate(ProxyConfig c) {
    return (RateLimiting) c.allMiddlewares().get("rate_limiting");
  }

  private static Authentication auth(ProxyConfig c) {
    return (Authentication) c.allMiddlewares().get("authentication");
  }

  private static Cors cors(ProxyConfig c) {
    return (Cors) c.allMiddlewares().get("cors");
  }

  private static MiddlewareConfig.IpFilter ipFilter(ProxyConfig c, String name) {
    return (MiddlewareConfig.IpFilter) c.allMiddlewares().get(name);
  }

  private static MiddlewareConfig.Compression gzip(ProxyConfig c) {
    return (MiddlewareConfig.Compression) c.allMiddlewares().get("gzip");
  }

  /**
   * Where an optional leaf key's value lands in the records, written by hand: a cross-check of the
   * schema's readers for the keys listed. A new key needs no entry (its reader is used, through the JSON
   * view), except when its default is computed from another key (burst_size).
   */
  private static final Map<String, Function<ProxyConfig, Object>> VALUES = Map.ofEntries(
      entry("server.bind_address", c -> c.server().bindAddress()),
      entry("server.workers", c -> c.server().workers()),
      entry("server.tls.protocols", c -> c.server().tls().orElseThrow().protocols()),
      entry("server.tls.ciphers", c -> c.server().tls().orElseThrow().ciphers()),
      entry("server.max_header_size", c -> c.server().maxHeaderSize()),
      entry("server.max_request_line", c -> c.server().maxRequestLine()),
      entry("server.idle_timeout_secs", c -> c.server().idleTimeoutSecs()),
      entry("server.header_timeout_secs", c -> c.server().headerTimeoutSecs()),
      entry("server.shutdown_grace_secs", c -> c.server().shutdownGraceSecs()),
      entry("server.body_timeout_secs", c -> c.server().bodyTimeoutSecs()),
      entry("server.max_body_size", c -> c.server().maxBodySize()),
      entry("server.allow_encoded_slashes", c -> c.server().allowEncodedSlashes()),
      entry("server.underscores_in_headers", c -> c.server().underscoresInHeaders()),
      entry("server.trusted_proxies", c -> c.server().trustedProxies()),
      entry("server.http_bind_address", c -> c.server().httpBindAddress()),
      entry("server.https_redirect", c -> c.server().httpsRedirect()),
      entry("server.h2c", c -> c.server().h2c()),
      entry("server.tls.acme.email", c -> acme().email()),
      entry("server.tls.acme.directory_url", c -> acme().directoryUrl()),
      entry("server.tls.acme.storage_path", c -> acme().storagePath()),
      entry("server.tls.acme.challenge", c -> acme().challenge()),
      entry("server.tls.acme.ca_path", c -> acme().caPath()),
      entry("server.tls.acme.renew_before_days", c -> acme().renewBeforeDays()),
      entry("logging.level", c -> c.logging().level()),
      entry("logging.format", c -> c.logging().format()),
      entry("logging.access_log", c -> c.logging().accessLog()),
      entry("upstreams.<name>.servers[].weight", c -> sectioned(c).servers().get(0).weight()),
      entry("upstreams.<name>.strategy", c -> plain(c).strategy()),
      entry("upstreams.<name>.hash_on", c -> plain(c).hashOn()),
      entry("upstreams.<name>.tls", c -> plain(c).tls()),
      entry("upstreams.<name>.sni", c -> plain(c).sni()),
      entry("upstreams.<name>.tls_verify", c -> plain(c).tlsVerify()),
      entry("upstreams.<name>.ca_path", c -> plain(c).caPath()),
      entry("upstreams.<name>.health_check.interval_secs", c -> sectioned(c).healthCheck().get().intervalSecs()),
      entry("upstreams.<name>.health_check.timeout_secs", c -> sectioned(c).healthCheck().get().timeoutSecs()),
      entry("upstreams.<name>.health_check.path", c -> sectioned(c).healthCheck().get().path()),
      entry("upstreams.<name>.health_check.healthy_threshold",
          c -> sectioned(c).healthCheck().get().healthyThreshold()),
      entry("upstreams.<name>.health_check.unhealthy_threshold",
          c -> sectioned(c).healthCheck().get().unhealthyThreshold()),
      entry("upstreams.<name>.passive.max_fails", c -> sectioned(c).passive().get().maxFails()),
      entry("upstreams.<name>.passive.fail_timeout_secs", c -> sectioned(c).passive().get().failTimeoutSecs()),
      entry("upstreams.<name>.max_connections_per_server", c -> plain(c).maxConnectionsPerServer()),
      entry("upstreams.<name>.connect_timeout_secs", c -> plain(c).connectTimeoutSecs()),
      entry("upstreams.<name>.protocol", c -> plain(c).protocol().yamlName()),
      entry("load_balancer.middlewares", c -> c.loadBalancer().get().middlewares()),
      entry("api_gateway.routes.<name>.methods", c -> route(c).methods()),
      entry("api_gateway.routes.<name>.strip_prefix", c -> route(c).stripPrefix()),
      entry("api_gateway.routes.<name>.timeout_secs", c -> route(c).timeoutSecs()),
      entry("api_gateway.routes.<name>.host", c -> route(c).host()),
      entry("api_gateway.routes.<name>.retries", c -> route(c).retries()),
      entry("api_gateway.routes.<name>.max_body_size", c -> route(c).maxBodySize()),
      entry("api_gateway.routes.<name>.middlewares", c -> route(c).middlewares()),
      entry("api_gateway.routes.<name>.split", c -> route(c).policies().split().isEmpty() ? Optional.empty()
          : route(c).policies().split()),
      entry("api_gateway.routes.<name>.request_headers.remove", c -> route(c).policies().requestHeaders().remove()),
      entry("api_gateway.routes.<name>.response_headers.remove", c -> route(c).policies().responseHeaders().remove()),
      // "none: requests_per_minute": absent means the same number as requests_per_minute.
      entry("middlewares.<name>.burst_size",
          c -> rate(c).burstSize() == rate(c).requestsPerMinute() ? Optional.empty() : rate(c).burstSize()),
      entry("middlewares.<name>.key", c -> rate(c).key()),
      entry("middlewares.<name>.key_header", c -> rate(c).key() instanceof MiddlewareConfig.RateKey.Header h
          ? Optional.of(h.name()) : Optional.empty()),
      entry("middlewares.<name>.audience", c -> auth(c).audience()),
      entry("middlewares.<name>.issuer", c -> auth(c).issuer()),
      entry("middlewares.<name>.require_exp", c -> auth(c).requireExp()),
      entry("control_api.allowed_origins", c -> c.controlApi().allowedOrigins()),
      entry("control_api.allowed_hosts", c -> c.controlApi().allowedHosts()),
      entry("middlewares.<name>.scope", c -> rate(c).scope()),
      entry("middlewares.<name>.excluded_paths", c -> auth(c).excludedPaths()),
      entry("middlewares.<name>.allowed_origins", c -> cors(c).allowedOrigins()),
      entry("middlewares.<name>.allowed_methods", c -> cors(c).allowedMethods()),
      entry("middlewares.<name>.allowed_headers", c -> cors(c).allowedHeaders()),
      entry("middlewares.<name>.allow_credentials", c -> cors(c).allowCredentials()),
      entry("middlewares.<name>.max_age_secs", c -> cors(c).maxAgeSecs()),
      entry("middlewares.<name>.expose_headers", c -> cors(c).exposeHeaders()),
      entry("middlewares.<name>.allow", c -> ipFilter(c, "deny_only").allow()),
      entry("middlewares.<name>.deny", c -> ipFilter(c, "allow_only").deny()),
      entry("middlewares.<name>.trusted_proxies", c -> ipFilter(c, "allow_only").trustedProxies()),
      entry("middlewares.<name>.min_bytes", c -> gzip(c).minBytes()),
      entry("middlewares.<name>.types", c -> gzip(c).types()),
      entry("api_gateway.routes.<name>.mirror.percent",
          c -> c.apiGateway().orElseThrow().routes().get("mirrored").mirror().orElseThrow().percent()),
      entry("control_api.enabled", c -> c.controlApi().enabled()),
      entry("control_api.bind_address", c -> c.controlApi().bindAddress()),
      entry("control_api.api_key", c -> c.controlApi().apiKey()),
      entry("tracing.enabled", c -> c.tracing().enabled()),
      entry("tracing.otlp_endpoint", c -> c.tracing().otlpEndpoint()),
      entry("tracing.sample_ratio", c -> c.tracing().sampleRatio()),
      entry("tracing.service_name", c -> c.tracing().serviceName()),
      entry("cluster.enabled", c -> c.cluster().enabled()),
      entry("cluster.name", c -> c.cluster().name()),
      entry("cluster.host", c -> c.cluster().host()),
      entry("cluster.port", c -> c.cluster().port()),
      entry("cluster.members", c -> c.cluster().members()));

  /** Optional keys whose default is not a value of a record field: the type defaults to the name. */
  private static final Set<String> NOT_A_FIELD = Set.of("middlewares.<name>.type");

  @Test
  void defaultsAreTheBindersDefaults() throws Exception {
    FullExample.withFilesIn(certs); // server.tls needs real files; its optional keys are then left out
    String tls = "server: {tls: {cert_path: \"" + certs.resolve("server.pem") + "\", key_path: \""
        + certs.resolve("server-key.pem") + "\"}}";
    ProxyConfig c = ConfigLoader.parse(DEFAULTS.replace("server: {}", tls), "defaults.yaml", ConfigOverrides.none());
    // Where VALUES has no entry, the schema's own reader finds the value: through the JSON view.
    List<JsonObject> views = List.of(ConfigView.json(c, false), ConfigView.json(acmeOnly(), false));
    List<String> unchecked = new ArrayList<>();
    for (Key key : ConfigReference.keys()) {
      if (key.isSection() || key.defaultValue().startsWith("required") || NOT_A_FIELD.contains(key.path())) {
        continue;
      }
      Function<ProxyConfig, Object> value = VALUES.get(key.path());
      Optional<String> actual = value != null ? Optional.of(render(value.apply(c))) : fromView(views, key);
      if (actual.isEmpty()) {
        unchecked.add(key.path());
        continue;
      }
      assertThat(actual.get()).as("default of %s", key.path()).isEqualTo(expected(key.defaultValue()));
    }
    assertThat(unchecked).as("optional keys whose section DEFAULTS lacks: add the section to DEFAULTS").isEmpty();
  }

  /** The ACME section with only its required key, as a whole configuration. */
  private static ProxyConfig acmeOnly() throws ConfigException {
    return ConfigLoader.parse("""
        mode: load_balancer
        server: {http_bind_address: "0.0.0.0:80", tls: {acme: {domains: [a.example.com]}}}
        upstreams: {plain: {servers: ["10.0.0.1:80"]}}
        load_balancer: {upstream: plain}
        """, "acme.yaml", ConfigOverrides.none());
  }

  /**
   * The rendered value of the key at schema path {@code path} in the first view whose parent section
   * exists ({@code none} when the key is absent there); empty when no view has the parent.
   */
  private static Optional<String> fromView(List<JsonObject> views, Key key) {
    String path = key.path();
    // A middleware type's key ("cors: ...") is looked for in instances of that type only.
    int colon = key.meaning().indexOf(':');
    String type = path.startsWith("middlewares.") && colon > 0 ? key.meaning().substring(0, colon) : "";
    List<String> candidates = path.startsWith("middlewares.")
        ? List.of(path, ConfigSchema.GATEWAY_MIDDLEWARES + path.substring("middlewares".length())) : List.of(path);
    for (JsonObject view : views) {
      for (String p : candidates) {
        Optional<Optional<Object>> found = find(view, p.split("\\."), 0, type);
        if (found.isPresent()) {
          Object v = found.get().orElse(null);
          return Optional.of(v instanceof JsonArray a ? render(a.getList()) : v == null ? "none" : String.valueOf(v));
        }
      }
    }
    return Optional.empty();
  }

  /** Empty when the parent of the last segment is missing; else the value, itself empty when absent. */
  private static Optional<Optional<Object>> find(Object node, String[] segments, int i, String type) {
    if (!(node instanceof JsonObject o) || (!type.isEmpty() && i == segments.length - 1
        && o.containsKey("type") && !type.equals(o.getValue("type")))) {
      return Optional.empty();
    }
    String segment = segments[i];
    if (i == segments.length - 1) {
      return Optional.of(Optional.ofNullable(o.getValue(segment)));
    }
    if (segment.equals(ConfigSchema.NAME)) {
      // Prefer an entry that has the key (a middleware of the right type), else any that has the parent.
      Optional<Optional<Object>> any = Optional.empty();
      for (String name : o.fieldNames()) {
        Optional<Optional<Object>> r = find(o.getValue(name), segments, i + 1, type);
        if (r.isPresent() && r.get().isPresent()) {
          return r;
        }
        any = any.or(() -> r);
      }
      return any;
    }
    if (segment.endsWith("[]")) {
      JsonArray items = o.getJsonArray(segment.substring(0, segment.length() - 2));
      return items == null || items.isEmpty() ? Optional.empty() : find(items.getValue(0), segments, i + 1, type);
    }
    return find(o.getValue(segment), segments, i + 1, type);
  }

  /** The value part of a default: {@code none} for every "none: ..." and the code span otherwise. */
  private static String expected(String defaultValue) {
    if (defaultValue.startsWith("none")) {
      return "none";
    }
    Matcher m = Pattern.compile("`([^`]*)`").matcher(defaultValue);
    if (!m.find()) {
      fail("default \"" + defaultValue + "\" is neither required, none, nor a `value`");
    }
    return m.group(1);
  }

  private static String render(Object v) {
    if (v instanceof Optional<?> o) {
      return o.map(ConfigReferenceTest::render).orElse("none");
    }
    if (v instanceof List<?> list) {
      return list.stream().map(ConfigReferenceTest::render)
          .map(s -> s.matches("[A-Za-z0-9_./:-]+") ? s : "\"" + s + "\"")
          .collect(Collectors.joining(", ", "[", "]"));
    }
    if (v instanceof Strategy s) {
      return s.yamlName();
    }
    if (v instanceof AcmeConfig.Challenge ch) {
      return ch.yamlName();
    }
    if (v instanceof RateLimitScope scope) {
      return scope.yamlName();
    }
    if (v instanceof LogFormat f) {
      return f.name().toLowerCase(Locale.ROOT);
    }
    return String.valueOf(v);
  }

  @Test
  void readmeHoldsTheGeneratedTable() throws Exception {
    Path readme = FullExample.repoRoot().resolve("README.md");
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    String block = START + "\n\n" + ConfigReference.markdownTable() + "\n" + END;
    int start = text.indexOf(START);
    int end = text.indexOf(END);
    assertThat(start).as("README.md has the marker %s", START).isNotNegative();
    assertThat(end).as("README.md has the marker %s after the start marker", END).isGreaterThan(start);
    String current = text.substring(start, end + END.length());
    if (!current.equals(block) && Boolean.getBoolean("locci.updateReadme")) {
      Files.writeString(readme, text.substring(0, start) + block + text.substring(end + END.length()),
          StandardCharsets.UTF_8);
      return;
    }
    assertThat(current).as("README.md's key table differs from ConfigReference; regenerate it with"
        + " mvn -B -q -pl proxy-core test -Dtest=ConfigReferenceTest -Dlocci.updateReadme=true"
        + " or paste this between the markers:%n%s", block).isEqualTo(block);
  }
}
