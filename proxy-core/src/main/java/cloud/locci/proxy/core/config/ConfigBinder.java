package cloud.locci.proxy.core.config;

import cloud.locci.proxy.core.config.LoggingConfig.LogFormat;
import cloud.locci.proxy.core.config.MiddlewareConfig.Authentication;
import cloud.locci.proxy.core.config.MiddlewareConfig.Cors;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateKey;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateLimiting;
import cloud.locci.proxy.core.config.ProxyConfig.GatewayConfig;
import cloud.locci.proxy.core.config.ProxyConfig.LoadBalancerConfig;
import cloud.locci.proxy.core.config.ServerConfig.ListenerTls;
import cloud.locci.proxy.core.config.UpstreamConfig.HashOn;
import cloud.locci.proxy.core.config.UpstreamConfig.HealthCheckConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.PassiveConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Turns a YAML tree into configuration records: types, ranges, enums, required keys and unknown keys.
 * Cross-references (route to upstream, files on disk, regexes) are {@link ConfigValidator}'s job.
 */
final class ConfigBinder {

  private static final java.util.regex.Pattern CLUSTER_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");
  // A host name or IPv4 address, or an IPv6 address without brackets; nothing with a port or a scheme.
  private static final java.util.regex.Pattern HOST =
      java.util.regex.Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*");
  /** type/subtype or type/* in RFC 9110 token characters (checked at load time only, never per request). */
  private static final java.util.regex.Pattern MEDIA_RANGE =
      java.util.regex.Pattern.compile("[a-z0-9!#$&^_.+-]+/([a-z0-9!#$&^_.+-]+|\\*)");

  private final YamlContext ctx;
  private boolean modeGuessed;

  ConfigBinder(YamlContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Binds the whole document; empty when it is not a mapping. Without a valid mode it still returns a
   * configuration (see {@link #modeGuessed}) so that every other error can be found; errors say what.
   */
  Optional<ProxyConfig> bind(Node root, Optional<Mode> modeOverride) {
    Optional<YamlMap> doc = YamlMap.root(ctx, root);
    if (doc.isEmpty()) {
      return Optional.empty();
    }
    YamlMap m = doc.get();
    Optional<Mode> fileMode = m.string("mode").flatMap(s -> {
      Optional<Mode> parsed = Mode.parse(s).filter(x -> x.yamlName().equals(s));
      if (parsed.isEmpty()) {
        ctx.errorAt("mode", "mode", "unknown mode \"" + s + "\"; expected load_balancer or api_gateway");
      }
      return parsed;
    });
    if (!m.has("mode") && modeOverride.isEmpty()) {
      m.missing("mode", "load_balancer or api_gateway");
    }
    ServerConfig server = m.map("server").map(this::server).orElse(ServerConfig.defaults(ServerConfig.DEFAULT_BIND));
    LoggingConfig logging = m.map("logging").map(this::logging).orElse(LoggingConfig.defaults());
    if (!m.has("upstreams")) {
      m.missing("upstreams", "the server groups both modes send requests to");
    }
    Map<String, UpstreamConfig> upstreams = m.entries("upstreams", this::upstream);
    Optional<LoadBalancerConfig> lb = m.map("load_balancer").flatMap(this::loadBalancer);
    Optional<GatewayConfig> gateway = m.map("api_gateway").map(this::gateway);
    Map<String, MiddlewareConfig> middlewares = m.map("middlewares").map(this::middlewares).orElse(Map.of());
    ControlApiConfig control = m.map("control_api").map(this::controlApi).orElse(ControlApiConfig.defaults());
    TracingConfig tracing = m.map("tracing").map(this::tracing).orElse(TracingConfig.defaults());
    ClusterConfig cluster = m.map("cluster").map(this::cluster).orElse(ClusterConfig.defaults());
    m.finish();
    Optional<Mode> mode = modeOverride.or(() -> fileMode);
    // Without a valid mode (already reported) the rest is still checked, under the mode its sections suggest.
    modeGuessed = mode.isEmpty();
    Mode effective = mode.orElse(gateway.isPresent() && lb.isEmpty() ? Mode.API_GATEWAY : Mode.LOAD_BALANCER);
    return Optional.of(new ProxyConfig(effective, server, logging, upstreams, lb, gateway, middlewares, control,
        tracing,
        cluster));
  }

  /** Whether the last {@link #bind} had no valid mode and used a stand-in (so the result must not be used). */
  boolean modeGuessed() {
    return modeGuessed;
  }

  private ServerConfig server(YamlMap m) {
    ServerAddress bind = m.node("bind_address").flatMap(n -> address(n, m.child("bind_address")))
        .orElse(ServerConfig.DEFAULT_BIND);
    Optional<Integer> workers = m.integer("workers");
    Optional<ListenerTls> tls = m.map("tls").flatMap(this::listenerTls);
    ServerConfig s = new ServerConfig(bind, workers, tls,
        m.intValue("max_header_size"),
        m.intValue("max_request_line"),
        m.intValue("idle_timeout_secs"),
        m.intValue("header_timeout_secs"),
        m.intValue("shutdown_grace_secs"),
        m.intValue("body_timeout_secs"),
        m.longInteger("max_body_size"),
        m.boolValue("allow_encoded_slashes"),
        m.boolValue("underscores_in_headers"),
        m.list("trusted_proxies", this::cidr),
        m.node("http_bind_address").flatMap(n -> address(n, m.child("http_bind_address"))),
        m.boolValue("https_redirect"));
    s = http2(m, s);
    m.finish();
    return s;
  }

  /** One entry of a list of address blocks (trusted_proxies, allow, deny): a literal address or CIDR, never a host name. */
  private Optional<Cidr> cidr(Node n, String path) {
    return ctx.string(n, path).flatMap(s -> {
      Optional<Cidr> c = Cidr.parse(s);
      if (c.isEmpty()) {
        ctx.error(n, path, "\"" + s + "\" is not an address block; expected an IP address or CIDR such as"
            + " \"10.0.0.0/8\" or \"2001:db8::/32\" (no host bits after the prefix, no host names)");
      }
      return c;
    });
  }

  private Optional<ListenerTls> listenerTls(YamlMap t) {
    Optional<String> cert = t.string("cert_path");
    Optional<String> key = t.string("key_path");
    Optional<AcmeConfig> acme = t.map("acme").flatMap(this::acme);
    boolean files = t.has("cert_path") || t.has("key_path");
    if (files || !t.has("acme")) {
      String alternative = t.has("acme") ? "" : " (or an acme section)";
      if (!t.has("cert_path")) {
        t.missing("cert_path", "PEM certificate chain" + alternative);
      }
      if (!t.has("key_path")) {
        t.missing("key_path", "PEM private key" + alternative);
      }
    }
    List<String> protocols = t.has("protocols") ? t.strings("protocols") : ListenerTls.DEFAULT_PROTOCOLS;
    List<String> ciphers = t.has("ciphers") ? t.strings("ciphers") : ListenerTls.DEFAULT_CIPHERS;
    t.finish();
    boolean filesOk = cert.isPresent() && key.isPresent();
    if (!filesOk && (files || acme.isEmpty())) {
      return Optional.empty();
    }
    return Optional.of(new ListenerTls(cert.filter(c -> filesOk), key.filter(k -> filesOk), protocols, ciphers, acme));
  }

  private Optional<AcmeConfig> acme(YamlMap m) {
    Optional<String> email = m.string("email").filter(e -> !e.isBlank());
    email.filter(e -> !AcmeNames.isEmail(e)).ifPresent(e -> ctx.errorAt(m.child("email"), m.child("email"),
        "\"" + e + "\" is not an e-mail address"));
    if (!m.has("domains")) {
      m.missing("domains", "the names to get certificates for, e.g. [example.com, www.example.com]");
    }
    List<String> domains = m.list("domains", (n, p) -> ctx.string(n, p).flatMap(d -> {
      String problem = AcmeNames.domainProblem(d);
      if (problem != null) {
        ctx.error(n, p, problem);
        return Optional.empty();
      }
      return Optional.of(d.toLowerCase(Locale.ROOT));
    }));
    if (m.node("domains").filter(n -> n instanceof org.snakeyaml.engine.v2.nodes.SequenceNode seq
        && seq.getValue().isEmpty()).isPresent()) {
      ctx.errorAt(m.child("domains"), m.child("domains"), "empty list; name at least one domain");
    }
    if (domains.size() > AcmeConfig.MAX_DOMAINS) {
      ctx.errorAt(m.child("domains"), m.child("domains"), domains.size() + " domains; at most "
          + AcmeConfig.MAX_DOMAINS + " are supported");
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < domains.size(); i++) {
      if (!seen.add(domains.get(i))) {
        ctx.errorAt(m.child("domains"), m.child("domains") + "[" + i + "]", "duplicate domain " + domains.get(i));
      }
    }
    String directory = m.string("directory_url").orElse(AcmeConfig.DEFAULT_DIRECTORY_URL);
    String directoryProblem = AcmeNames.directoryProblem(directory);
    if (directoryProblem != null) {
      ctx.errorAt(m.child("directory_url"), m.child("directory_url"), directoryProblem);
    }
    String storage = m.string("storage_path").filter(s -> !s.isBlank()).orElse(AcmeConfig.DEFAULT_STORAGE_PATH);
    AcmeConfig.Challenge challenge = m.string("challenge").flatMap(c -> {
      Optional<AcmeConfig.Challenge> parsed = AcmeConfig.Challenge.parse(c);
      if (parsed.isEmpty()) {
        ctx.errorAt(m.child("challenge"), m.child("challenge"), "unknown challenge \"" + c
            + "\"; expected http-01 or tls-alpn-01 (dns-01, needed for wildcards, is not supported)");
      }
      return parsed;
    }).orElse(AcmeConfig.Challenge.HTTP_01);
    Optional<String> caPath = m.string("ca_path").filter(s -> !s.isBlank());
    int renew = m.intValue("renew_before_days");
    m.finish();
    return Optional.of(new AcmeConfig(email, domains, directory, storage, challenge, caPath, renew));
  }

  private LoggingConfig logging(YamlMap m) {
    String level = m.string("level").orElse(LoggingConfig.DEFAULT_LEVEL);
    LogFormat format = m.string("format").flatMap(f -> switch (f) {
      case "text" -> Optional.of(LogFormat.TEXT);
      case "json" -> Optional.of(LogFormat.JSON);
      default -> {
        ctx.errorAt(m.child("format"), m.child("format"), "unknown format \"" + f + "\"; expected text or json");
        yield Optional.empty();
      }
    }).orElse(LogFormat.TEXT);
    boolean accessLog = m.boolValue("access_log");
    m.finish();
    return new LoggingConfig(level, format, accessLog);
  }

  Optional<UpstreamConfig> upstream(String name, YamlMap m) {
    if (!m.has("servers")) {
      m.missing("servers", "a list of \"host:port\"");
    }
    List<ServerEntry> servers = m.list("servers", (n, p) -> serverEntry(m, n, p));
    Strategy strategy = m.string("strategy").flatMap(s -> {
      Optional<Strategy> st = Strategy.parse(s);
      if (st.isEmpty()) {
        ctx.errorAt(m.child("strategy"), m.child("strategy"), "unknown strategy \"" + s + "\"; expected one of "
            + Arrays.stream(Strategy.values()).map(Strategy::yamlName).collect(Collectors.joining(", ")));
      }
      return st;
    }).orElse(Strategy.ROUND_ROBIN);
    HashOn hashOn = m.string("hash_on").flatMap(s -> {
      Optional<HashOn> h = HashOn.parse(s);
      if (h.isEmpty()) {
        ctx.errorAt(m.child("hash_on"), m.child("hash_on"),
            "unknown hash_on \"" + s + "\"; expected client_ip, path or header:NAME");
      }
      return h;
    }).orElse(HashOn.CLIENT_IP);
    boolean tls = m.boolValue("tls");
    Optional<String> sni = m.string("sni").filter(s -> !s.isBlank());
    boolean tlsVerify = m.boolValue("tls_verify");
    Optional<String> caPath = m.string("ca_path");
    Optional<HealthCheckConfig> health = m.map("health_check").map(this::healthCheck);
    Optional<PassiveConfig> passive = m.map("passive").map(this::passive);
    int maxConns = m.intValue("max_connections_per_server");
    int connectTimeout = m.intValue("connect_timeout_secs");
    UpstreamConfig.Protocol protocol = protocol(m, tls);
    m.finish();
    return Optional.of(new UpstreamConfig(name, servers, strategy, hashOn, tls, sni, tlsVerify, caPath, health,
        passive, maxConns, connectTimeout).withProtocol(protocol));
  }

  // ---- HTTP/2 keys (SPEC §12)

  /** {@code server.h2c}. */
  private static ServerConfig http2(YamlMap m, ServerConfig s) {
    return s.withH2c(m.boolValue("h2c"));
  }

  /** {@code upstreams.<name>.protocol}: {@code h2} only with {@code tls: true}. */
  private UpstreamConfig.Protocol protocol(YamlMap m, boolean tls) {
    return m.string("protocol").flatMap(p -> {
      Optional<UpstreamConfig.Protocol> parsed = UpstreamConfig.Protocol.parse(p);
      if (parsed.isEmpty()) {
        ctx.errorAt(m.child("protocol"), m.child("protocol"),
            "unknown protocol \"" + p + "\"; expected http1, h2c or h2");
      } else if (parsed.get() == UpstreamConfig.Protocol.H2 && !tls) {
        ctx.errorAt(m.child("protocol"), m.child("protocol"),
            "protocol h2 is HTTP/2 over TLS and needs tls: true (h2c is cleartext HTTP/2)");
      }
      return parsed;
    }).orElse(UpstreamConfig.Protocol.HTTP1);
  }

  private Optional<ServerEntry> serverEntry(YamlMap upstream, Node n, String path) {
    if (n instanceof ScalarNode) {
      return address(n, path).map(a -> new ServerEntry(a, 1));
    }
    if (n instanceof MappingNode) {
      return upstream.item("servers", n, path).flatMap(m -> {
        if (!m.has("address")) {
          m.missing("address", "\"host:port\"");
        }
        Optional<ServerAddress> a = m.node("address").flatMap(x -> address(x, m.child("address")));
        int weight = m.intValue("weight");
        m.finish();
        return a.map(addr -> new ServerEntry(addr, weight));
      });
    }
    ctx.error(n, path, "expected \"host:port\" or {address: \"host:port\", weight: N}, got " + YamlMap.describe(n));
    return Optional.empty();
  }

  private Optional<ServerAddress> address(Node n, String path) {
    return ctx.string(n, path).flatMap(s -> {
      try {
        return Optional.of(ServerAddress.parse(s));
      } catch (IllegalArgumentException e) {
        ctx.error(n, path, e.getMessage());
        return Optional.empty();
      }
    });
  }

  private HealthCheckConfig healthCheck(YamlMap m) {
    HealthCheckConfig h = new HealthCheckConfig(
        m.intValue("interval_secs"),
        m.intValue("timeout_secs"),
        m.string("path").filter(p -> !p.isBlank()),
        m.intValue("healthy_threshold"),
        m.intValue("unhealthy_threshold"));
    h.path().filter(p -> !p.startsWith("/")).ifPresent(p ->
        ctx.errorAt(m.child("path"), m.child("path"), "must start with \"/\", got \"" + p + "\""));
    m.finish();
    return h;
  }

  private PassiveConfig passive(YamlMap m) {
    PassiveConfig p = new PassiveConfig(
        m.intValue("max_fails"),
        m.intValue("fail_timeout_secs"));
    m.finish();
    return p;
  }

  private Optional<LoadBalancerConfig> loadBalancer(YamlMap m) {
    if (!m.has("upstream")) {
      m.missing("upstream", "name of the upstream group to balance across");
    }
    Optional<String> upstream = m.string("upstream");
    List<String> middlewares = m.strings("middlewares");
    m.finish();
    return upstream.map(u -> new LoadBalancerConfig(u, middlewares));
  }

  private GatewayConfig gateway(YamlMap m) {
    Map<String, RouteConfig> routes = m.entries("routes", this::route);
    Map<String, MiddlewareConfig> middlewares = m.map("middlewares").map(this::middlewares).orElse(Map.of());
    m.finish();
    return new GatewayConfig(routes, middlewares);
  }

  Optional<RouteConfig> route(String name, YamlMap m) {
    if (!m.has("path_pattern")) {
      m.missing("path_pattern", "a regular expression such as \"^/api/users\"");
    }
    boolean split = m.has("split");
    if (!m.has("upstream") && !split) {
      m.missing("upstream", "name of an upstream group, or split: a weighted list of them");
    }
    Optional<String> pattern = m.string("path_pattern");
    List<String> methods = m.list("methods", (n, p) -> ctx.string(n, p).flatMap(s -> method(n, p, s)));
    Optional<String> upstream = m.string("upstream");
    boolean strip = m.boolValue("strip_prefix");
    int timeout = m.intValue("timeout_secs");
    Optional<String> host = m.string("host").filter(h -> !h.isBlank());
    int retries = m.intValue("retries");
    List<String> middlewares = m.strings("middlewares");
    Optional<Long> maxBody = m.longInteger("max_body_size");
    Optional<MirrorConfig> mirror = m.map("mirror").flatMap(this::mirror);
    Optional<RoutePolicies> policies = routePolicies(m);
    m.finish();
    if (split && upstream.isPresent()) {
      ctx.errorAt(m.child("split"), m.child("split"), "set either upstream or split, not both");
      return Optional.empty();
    }
    if (pattern.isEmpty() || upstream.isEmpty() && !split || policies.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new RouteConfig(name, pattern.get(), methods, upstream.orElse(""), strip, timeout, host,
        retries, middlewares, maxBody, policies.get(), mirror));
  }

  // ---- SPEC §11 route policies: match_headers, match_query, split, rewrite, request_headers, response_headers
  // (declared in ConfigSchema.routePolicies). Cross-key checks are ConfigValidator's.

  /** The route's traffic policies; empty when one of them is invalid (errors recorded). */
  private Optional<RoutePolicies> routePolicies(YamlMap m) {
    boolean[] bad = {false};
    Map<String, String> matchHeaders = stringMap(m, "match_headers", true, bad);
    Map<String, String> matchQuery = stringMap(m, "match_query", false, bad);
    List<RoutePolicies.SplitEntry> split = m.list("split", (n, p) -> splitEntry(n, p, bad));
    if (m.has("split")) {
      splitProblems(m, split);
    }
    Optional<RoutePolicies.Rewrite> rewrite = m.map("rewrite").flatMap(r -> {
      if (!r.has("pattern")) {
        r.missing("pattern", "an RE2 regular expression matched against the path");
      }
      if (!r.has("replacement")) {
        r.missing("replacement", "the new path; $1-$9 are the pattern's groups");
      }
      Optional<String> pattern = r.string("pattern");
      Optional<String> replacement = r.string("replacement");
      r.finish();
      return pattern.flatMap(pt -> replacement.map(rp -> new RoutePolicies.Rewrite(pt, rp)));
    });
    if (m.has("rewrite") && rewrite.isEmpty()) {
      bad[0] = true;
    }
    RoutePolicies.HeaderRuleSet request = m.map("request_headers").map(h -> headerRules(h, bad))
        .orElse(RoutePolicies.HeaderRuleSet.NONE);
    RoutePolicies.HeaderRuleSet response = m.map("response_headers").map(h -> headerRules(h, bad))
        .orElse(RoutePolicies.HeaderRuleSet.NONE);
    if (bad[0]) {
      return Optional.empty();
    }
    return Optional.of(new RoutePolicies(matchHeaders, matchQuery, split, rewrite, request, response));
  }

  private Optional<RoutePolicies.SplitEntry> splitEntry(Node n, String path, boolean[] bad) {
    Optional<YamlMap> entry = YamlMap.of(ctx, path, "api_gateway.routes.<name>.split[]", n);
    if (entry.isEmpty()) {
      bad[0] = true;
      return Optional.empty();
    }
    YamlMap e = entry.get();
    if (!e.has("upstream")) {
      e.missing("upstream", "name of an upstream group");
    }
    if (!e.has("weight")) {
      e.missing("weight", "an integer 0-" + RoutePolicies.MAX_WEIGHT + "; 0 takes the upstream out");
    }
    Optional<String> upstream = e.string("upstream");
    Optional<Integer> weight = e.integer("weight");
    e.finish();
    if (upstream.isEmpty() || weight.isEmpty()) {
      bad[0] = true;
      return Optional.empty();
    }
    return Optional.of(new RoutePolicies.SplitEntry(upstream.get(), weight.get()));
  }

  private void splitProblems(YamlMap m, List<RoutePolicies.SplitEntry> split) {
    String at = m.child("split");
    if (split.isEmpty()) {
      ctx.errorAt(at, at, "empty split; list at least one {upstream, weight}");
    } else if (split.size() > RoutePolicies.MAX_SPLIT) {
      ctx.errorAt(at, at, split.size() + " entries, at most " + RoutePolicies.MAX_SPLIT);
    } else if (split.stream().allMatch(e -> e.weight() == 0)) {
      ctx.errorAt(at, at, "every weight is 0: no upstream would get a request");
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < split.size(); i++) {
      if (!seen.add(split.get(i).upstream())) {
        ctx.errorAt(at + "[" + i + "]", at + "[" + i + "].upstream", "upstream \"" + split.get(i).upstream()
            + "\" is listed twice; give it one entry with the sum of the weights");
      }
    }
  }

  private RoutePolicies.HeaderRuleSet headerRules(YamlMap h, boolean[] bad) {
    Map<String, String> set = stringMap(h, "set", true, bad);
    Map<String, String> add = stringMap(h, "add", true, bad);
    List<String> remove = h.strings("remove");
    h.finish();
    return new RoutePolicies.HeaderRuleSet(set, add, remove);
  }

  /**
   * A mapping of names the user chooses (header or parameter names) to string values. Header names are
   * compared case-insensitively, so two spellings of one name are a duplicate.
   */
  private Map<String, String> stringMap(YamlMap m, String key, boolean headerNames, boolean[] bad) {
    Optional<Node> node = m.node(key);
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (node.isEmpty()) {
      return out;
    }
    String path = m.child(key);
    if (!(node.get() instanceof MappingNode mapping)) {
      ctx.error(node.get(), path, "expected a mapping of names to values, got " + YamlMap.describe(node.get()));
      bad[0] = true;
      return out;
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (org.snakeyaml.engine.v2.nodes.NodeTuple t : mapping.getValue()) {
      if (!(t.getKeyNode() instanceof ScalarNode k) || YamlMap.isNull(k)) {
        ctx.error(t.getKeyNode(), path, "names must be plain strings");
        bad[0] = true;
        continue;
      }
      String name = k.getValue();
      String itemPath = path + "." + name;
      ctx.locate(itemPath, t.getKeyNode());
      ctx.asked(itemPath); // declared as <name>.<name> in ConfigSchema; read here without a YamlMap getter
      if (!seen.add(headerNames ? name.toLowerCase(Locale.ROOT) : name)) {
        ctx.error(t.getKeyNode(), itemPath, "\"" + name + "\" is listed twice" + (headerNames
            ? " (header names are case-insensitive)" : ""));
        bad[0] = true;
        continue;
      }
      Optional<String> value = t.getValueNode() instanceof ScalarNode v && !YamlMap.isNull(v)
          ? Optional.of(v.getValue()) : Optional.empty();
      if (value.isEmpty()) {
        ctx.error(t.getValueNode(), itemPath, "expected a string value, got " + YamlMap.describe(t.getValueNode()));
        bad[0] = true;
        continue;
      }
      out.put(name, value.get());
    }
    if (out.size() > RoutePolicies.MAX_MATCHERS && !key.equals("set") && !key.equals("add")) {
      ctx.error(node.get(), path, out.size() + " entries, at most " + RoutePolicies.MAX_MATCHERS);
      bad[0] = true;
    }
    return out;
  }

  private Optional<String> method(Node n, String path, String s) {
    String upper = s.toUpperCase(Locale.ROOT);
    if (!upper.matches("[A-Z][A-Z0-9_-]*")) {
      ctx.error(n, path, "\"" + s + "\" is not an HTTP method");
      return Optional.empty();
    }
    return Optional.of(upper);
  }

  Map<String, MiddlewareConfig> middlewares(YamlMap m) {
    Map<String, MiddlewareConfig> out = new java.util.LinkedHashMap<>();
    for (String name : m.keys()) {
      m.namedEntry(name).flatMap(mw -> middleware(name, mw)).ifPresent(c -> out.put(name, c));
    }
    return out;
  }

  private Optional<MiddlewareConfig> middleware(String name, YamlMap m) {
    Optional<String> declared = m.string("type");
    String type = declared.orElse(MiddlewareConfig.TYPES.contains(name) ? name : "");
    if (type.isEmpty()) {
      m.missing("type", String.join(" | ", MiddlewareConfig.TYPES) + "; only instances named after their type may omit it");
      return Optional.empty();
    }
    Optional<MiddlewareConfig> out = switch (type) {
      case "rate_limiting" -> rateLimiting(name, m);
      case "authentication" -> authentication(name, m);
      case "cors" -> Optional.of(cors(name, m));
      case "ip_filter" -> Optional.of(ipFilter(name, m));
      case "compression" -> Optional.of(compression(name, m));
      default -> {
        ctx.errorAt(m.child("type"), m.child("type"), "unknown middleware type \"" + type + "\"; expected one of "
            + String.join(", ", MiddlewareConfig.TYPES));
        m.keys(); // the keys of an unknown type are not worth a second error each
        yield Optional.empty();
      }
    };
    m.finish();
    return out;
  }

  private Optional<MiddlewareConfig> rateLimiting(String name, YamlMap m) {
    if (!m.has("requests_per_minute")) {
      m.missing("requests_per_minute", "refill rate of each key's bucket");
    }
    Optional<Integer> rpm = m.integer("requests_per_minute");
    Optional<Integer> burst = m.integer("burst_size");
    Optional<RateKey> key = m.string("key").flatMap(s -> {
      Optional<RateKey> k = RateKey.parse(s);
      if (k.isEmpty()) {
        ctx.errorAt(m.child("key"), m.child("key"), "unknown key \"" + s + "\"; expected client_ip, jwt_sub or"
            + " header:NAME");
      }
      return k;
    });
    // key_header is the seed's spelling of key: header:NAME.
    Optional<RateKey> keyHeader = m.string("key_header").filter(s -> !s.isBlank()).flatMap(s -> {
      if (!RateKey.isHeaderName(s)) {
        ctx.errorAt(m.child("key_header"), m.child("key_header"), "\"" + s + "\" is not a header name");
        return Optional.empty();
      }
      if (m.has("key")) {
        ctx.errorAt(m.child("key_header"), m.child("key_header"), "set either key or key_header (the older"
            + " spelling of key: header:NAME), not both");
        return Optional.empty();
      }
      return Optional.of(new RateKey.Header(s));
    });
    RateKey chosen = key.or(() -> keyHeader).orElse(new RateKey.ClientIp());
    RateLimitScope scope = m.string("scope").flatMap(s -> {
      Optional<RateLimitScope> parsed = RateLimitScope.parse(s);
      if (parsed.isEmpty()) {
        ctx.errorAt(m.child("scope"), m.child("scope"), "unknown scope \"" + s + "\"; expected local or cluster");
      }
      return parsed;
    }).orElse(RateLimitScope.LOCAL);
    return rpm.map(r -> new RateLimiting(name, r, burst.orElse(r), chosen, scope));
  }

  private Optional<MiddlewareConfig> authentication(String name, YamlMap m) {
    Optional<String> secret = m.string("jwt_secret").filter(s -> !s.isEmpty());
    Optional<String> key = m.string("public_key_path").filter(s -> !s.isEmpty());
    List<String> excluded = m.strings("excluded_paths");
    Optional<String> audience = m.string("audience").filter(s -> !s.isEmpty());
    Optional<String> issuer = m.string("issuer").filter(s -> !s.isEmpty());
    boolean requireExp = m.boolValue("require_exp");
    if (secret.isEmpty() && key.isEmpty()) {
      m.missing("jwt_secret", "or public_key_path");
    }
    return Optional.of(new Authentication(name, secret, key, excluded, audience, issuer, requireExp));
  }

  private Cors cors(String name, YamlMap m) {
    return new Cors(name,
        m.has("allowed_origins") ? m.strings("allowed_origins") : List.of("*"),
        m.has("allowed_methods") ? m.list("allowed_methods", (n, p) -> ctx.string(n, p).flatMap(s -> method(n, p, s)))
            : List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"),
        m.has("allowed_headers") ? m.strings("allowed_headers") : List.of("*"),
        m.boolValue("allow_credentials"),
        m.integer("max_age_secs"),
        m.strings("expose_headers"));
  }

  // ---- SPEC §11 traffic policies: ip_filter, compression, a route's mirror

  private MiddlewareConfig.IpFilter ipFilter(String name, YamlMap m) {
    return new MiddlewareConfig.IpFilter(name, m.list("allow", this::cidr), m.list("deny", this::cidr),
        m.list("trusted_proxies", this::cidr));
  }

  private MiddlewareConfig.Compression compression(String name, YamlMap m) {
    int min = m.intValue("min_bytes");
    List<String> types = m.has("types") ? m.list("types", this::mediaRange)
        : MiddlewareConfig.Compression.DEFAULT_TYPES;
    return new MiddlewareConfig.Compression(name, min, types);
  }

  /** A media type ({@code application/json}) or family ({@code text/*}), kept in lower case. */
  private Optional<String> mediaRange(Node n, String path) {
    return ctx.string(n, path).flatMap(s -> {
      String t = s.trim().toLowerCase(Locale.ROOT);
      if (!MEDIA_RANGE.matcher(t).matches()) {
        ctx.error(n, path, "\"" + s + "\" is not a media type; expected type/subtype such as \"application/json\""
            + " or a family such as \"text/*\"");
        return Optional.empty();
      }
      return Optional.of(t);
    });
  }

  private Optional<MirrorConfig> mirror(YamlMap m) {
    if (!m.has("upstream")) {
      m.missing("upstream", "name of the upstream group the copies go to");
    }
    Optional<String> upstream = m.string("upstream");
    int percent = m.intValue("percent");
    m.finish();
    return upstream.map(u -> new MirrorConfig(u, percent));
  }

  private ControlApiConfig controlApi(YamlMap m) {
    boolean enabled = m.boolValue("enabled");
    ServerAddress bind = m.node("bind_address").flatMap(n -> address(n, m.child("bind_address")))
        .orElse(ControlApiConfig.DEFAULT_BIND);
    Optional<String> key = m.string("api_key").filter(s -> !s.isEmpty());
    List<String> origins = m.strings("allowed_origins");
    List<String> hosts = m.strings("allowed_hosts");
    m.finish();
    return new ControlApiConfig(enabled, bind, key, origins, hosts);
  }

  private TracingConfig tracing(YamlMap m) {
    boolean enabled = m.boolValue("enabled");
    String endpoint = m.string("otlp_endpoint").orElse(TracingConfig.DEFAULT_ENDPOINT);
    TracingConfig.endpointProblem(endpoint).ifPresent(p ->
        ctx.errorAt(m.child("otlp_endpoint"), m.child("otlp_endpoint"), p));
    double ratio = m.decimalValue("sample_ratio");
    String service = m.string("service_name").orElse(TracingConfig.DEFAULT_SERVICE);
    TracingConfig.serviceNameProblem(service).ifPresent(p ->
        ctx.errorAt(m.child("service_name"), m.child("service_name"), p));
    m.finish();
    return new TracingConfig(enabled, endpoint, ratio, service);
  }

  private ClusterConfig cluster(YamlMap m) {
    boolean enabled = m.boolValue("enabled");
    String name = m.string("name").filter(n -> {
      if (CLUSTER_NAME.matcher(n).matches()) {
        return true;
      }
      ctx.errorAt(m.child("name"), m.child("name"), "\"" + n + "\" is not a cluster name: 1-64 letters, digits,"
          + " '.', '_' or '-'");
      return false;
    }).orElse(ClusterConfig.DEFAULT_NAME);
    String host = m.string("host").filter(h -> {
      if (HOST.matcher(h).matches()) {
        return true;
      }
      ctx.errorAt(m.child("host"), m.child("host"), "\"" + h + "\" is not a host: an IP address or a host name,"
          + " without port or scheme (the port is cluster.port)");
      return false;
    }).orElse(ClusterConfig.DEFAULT_HOST);
    int port = m.intValue("port");
    List<ServerAddress> members = m.list("members", this::address);
    m.finish();
    return new ClusterConfig(enabled, name, host, port, members);
  }
}
