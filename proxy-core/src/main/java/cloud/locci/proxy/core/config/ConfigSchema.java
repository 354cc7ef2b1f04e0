package cloud.locci.proxy.core.config;

import cloud.locci.proxy.core.config.MiddlewareConfig.Authentication;
import cloud.locci.proxy.core.config.MiddlewareConfig.Cors;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateKey;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateLimiting;
import cloud.locci.proxy.core.config.ProxyConfig.GatewayConfig;
import cloud.locci.proxy.core.config.ProxyConfig.LoadBalancerConfig;
import cloud.locci.proxy.core.config.ServerConfig.ListenerTls;
import cloud.locci.proxy.core.config.UpstreamConfig.HealthCheckConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.PassiveConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every key of the configuration file, declared once: its path, type and range, default, meaning, flags
 * (secret, restart-required, changeable through the API) and where its value sits in the records.
 *
 * <p>This one list drives the binder's ranges and defaults ({@link YamlMap#integer(String)} and friends
 * look the key up here), the README key table ({@link ConfigReference#markdownTable()}), the JSON view
 * of {@code GET /api/v1/config} ({@link ConfigView}), the keys a reload cannot apply
 * ({@link ConfigView#restartRequired}) and the keys {@code POST /api/v1/upstreams} may change
 * ({@link #apiMutable}). Tests hold the binder, {@code examples/config-full.yaml}, README and the JSON
 * view to it. Adding a key: see {@code docs/adding-a-key.md}.
 *
 * <p>Paths use {@code <name>} for a name the user chooses (an upstream, a route, a middleware
 * instance) and {@code []} for an item of a list. {@code api_gateway.middlewares.<name>} has exactly
 * the keys of {@code middlewares.<name>}, so they are declared once, under the top-level map.
 */
public final class ConfigSchema {

  /** Marks a path segment that the user names. */
  public static final String NAME = "<name>";

  /** The map whose entries have the same keys as the top-level {@code middlewares.<name>}. */
  public static final String GATEWAY_MIDDLEWARES = "api_gateway.middlewares";

  /** Type text of a section (a mapping of fixed keys). */
  static final String SECTION = "section";
  /** Type text of a map of user-chosen names. */
  static final String NAMES = "map of names";

  private static final int MAX_SECS = 24 * 3600;

  /** What a key is besides its value; a key without flags is read from the file and applied on reload. */
  public enum Flag {
    /** Never shown: the JSON view writes {@code "***"} when it is set. */
    SECRET,
    /** A change in the file is applied only by a restart; a reload lists it in {@code restart_required}. */
    RESTART,
    /**
     * Like {@link #RESTART}, but only while {@code server.bind_address} stays the same: a listener that
     * moves opens anew with every listener option.
     */
    LISTENER,
    /**
     * Inside a {@link #RESTART} or {@link #LISTENER} section, applied live; adding or removing it still
     * needs a restart (reported under its own path).
     */
    LIVE,
    /** {@code POST /api/v1/upstreams} may change it on an existing upstream group. */
    API_MUTABLE,
    /** Another spelling of a key the JSON view shows under that key's name; never in the JSON view. */
    ALIAS
  }

  /**
   * One key of the file.
   *
   * @param path dotted path, {@code <name>} for user-chosen names and {@code []} for list items
   * @param type README type: {@code section}, {@code map of names}, {@code integer MIN-MAX},
   *     {@code boolean}, {@code host:port}, {@code file}, the allowed words, ...
   * @param defaultValue README default: the value when the key is absent; {@code required...} when it
   *     must be written, {@code none...} when absence means "off" or a computed value
   * @param meaning one line: what it does
   * @param flags see {@link Flag}
   * @param min inclusive lower bound of a number key (integer or decimal), else null
   * @param max inclusive upper bound of a number key, else null
   * @param typedDefault the binder's value when the key is absent (a Number or Boolean), else null
   * @param reader the value of this key given its parent's value (a record, a map entry or a list item),
   *     in the form YAML writes it: String, Number, Boolean, List, Map of names, Optional, or the record
   *     of a section; null when the key does not apply to that parent (another middleware type)
   */
  public record Key(String path, String type, String defaultValue, String meaning, Set<Flag> flags,
      Number min, Number max, Object typedDefault, Function<Object, Object> reader) {

    public Key {
      Objects.requireNonNull(path, "path");
      flags = flags.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(flags));
    }

    /** Whether this key holds other keys (a section or a map of user-named entries). */
    public boolean isSection() {
      return type.equals(SECTION) || type.equals(NAMES);
    }

    /** Whether this is a map of user-chosen names. */
    public boolean isNames() {
      return type.equals(NAMES);
    }

    public boolean has(Flag flag) {
      return flags.contains(flag);
    }

    /** The last segment of the path: the key's name in its mapping. */
    public String name() {
      String last = path.substring(path.lastIndexOf('.') + 1);
      return last.endsWith("[]") ? last.substring(0, last.length() - 2) : last;
    }

    /** The inclusive bounds when the key is an integer. */
    public Optional<long[]> integerRange() {
      if (min instanceof Long lo && max instanceof Long hi) {
        return Optional.of(new long[] {lo, hi});
      }
      return Optional.empty();
    }

    /** This key's value in {@code parent}, unwrapped from Optional; null when absent or not applicable. */
    public Object read(Object parent) {
      if (parent == null || reader == null) {
        return null;
      }
      Object v = reader.apply(parent);
      return v instanceof Optional<?> o ? o.orElse(null) : v;
    }
  }

  private static final List<Key> KEYS;
  private static final Map<String, Key> BY_PATH;
  private static final Map<String, List<Key>> CHILDREN;

  static {
    List<Builder> builders = new ArrayList<>();
    define(builders);
    List<Key> keys = builders.stream().map(Builder::build).toList();
    Map<String, Key> byPath = new HashMap<>();
    Map<String, List<Key>> children = new LinkedHashMap<>();
    for (Key k : keys) {
      if (byPath.put(k.path(), k) != null) {
        throw new IllegalStateException("key declared twice: " + k.path());
      }
      children.computeIfAbsent(parentOf(k.path()), p -> new ArrayList<>()).add(k);
    }
    children.replaceAll((p, list) -> List.copyOf(list));
    KEYS = keys;
    BY_PATH = Map.copyOf(byPath);
    CHILDREN = Collections.unmodifiableMap(children);
  }

  private ConfigSchema() {}

  /** Every key, parents before children, in the order of the README table. */
  public static List<Key> keys() {
    return KEYS;
  }

  /**
   * The key at a schema path such as {@code upstreams.<name>.connect_timeout_secs} (the
   * {@code api_gateway.middlewares.<name>} spelling is accepted for the middleware keys).
   */
  public static Optional<Key> key(String schemaPath) {
    return Optional.ofNullable(BY_PATH.get(canonical(schemaPath)));
  }

  /** Like {@link #key}, for a path the code itself names: a missing key is a programming error. */
  static Key require(String schemaPath) {
    return key(schemaPath).orElseThrow(() -> new IllegalStateException(schemaPath
        + " is not declared in ConfigSchema: declare it there (path, type, default, meaning, reader)"));
  }

  /** The keys directly inside {@code schemaPath} ("" for the top level), in declaration order. */
  public static List<Key> children(String schemaPath) {
    return CHILDREN.getOrDefault(canonical(schemaPath), List.of());
  }

  /**
   * Names of the keys under {@code schemaPath} flagged {@link Flag#API_MUTABLE}, e.g. for
   * {@code upstreams.<name>}: {@code servers}, {@code strategy}, {@code hash_on}.
   */
  public static Set<String> apiMutable(String schemaPath) {
    Set<String> out = new LinkedHashSet<>();
    children(schemaPath).stream().filter(k -> k.has(Flag.API_MUTABLE)).forEach(k -> out.add(k.name()));
    return Collections.unmodifiableSet(out);
  }

  static String canonical(String schemaPath) {
    if (schemaPath.startsWith(GATEWAY_MIDDLEWARES + "." + NAME)) {
      return "middlewares." + schemaPath.substring(GATEWAY_MIDDLEWARES.length() + 1);
    }
    return schemaPath;
  }

  static String parentOf(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? "" : path.substring(0, dot);
  }

  // ---------------------------------------------------------------------------------------------
  // Declarations. One call per key; parents before children. Each line: path, type (and range),
  // default, meaning, then .read(ParentRecord.class, how to get the value) and any flags.

  private static void define(List<Builder> k) {
    String modes = words(Arrays.stream(Mode.values()).map(Mode::yamlName).collect(Collectors.toList()));
    k.add(key("mode", modes, "required",
        "which of `load_balancer` and `api_gateway` runs (`--mode lb|gateway` overrides it)")
        .read(ProxyConfig.class, c -> c.mode().yamlName()));

    server(k);
    logging(k);
    upstreams(k);
    loadBalancer(k);
    gateway(k);
    middlewares(k);
    controlApi(k);
    tracing(k);
    cluster(k);
  }

  private static void server(List<Builder> k) {
    k.add(section("server", "optional", "the proxy listener and its limits").read(ProxyConfig.class, ProxyConfig::server));
    k.add(key("server.bind_address", "host:port", code(ServerConfig.DEFAULT_BIND),
        "where clients connect (`--bind` overrides it)").read(ServerConfig.class, s -> s.bindAddress().toString()));
    k.add(integer("server.workers", 1, 1024, "none: one per CPU core",
        "proxy verticle instances, one event loop each (`--instances` overrides it)")
        .read(ServerConfig.class, ServerConfig::workers).flags(Flag.RESTART));
    k.add(section("server.tls", "none: plain HTTP", "TLS termination on the listener, with HTTP/2 (ALPN) and HTTP/1.1")
        .read(ServerConfig.class, ServerConfig::tls).flags(Flag.LISTENER));
    k.add(key("server.tls.cert_path", "file", "required in `server.tls` unless `acme` is set",
        "PEM certificate chain (with `acme`: served to names ACME has no certificate for yet)")
        .read(ListenerTls.class, ListenerTls::certPath));
    k.add(key("server.tls.key_path", "file", "required with `cert_path`",
        "PEM private key (a warning when group or others may read it)").read(ListenerTls.class, ListenerTls::keyPath));
    k.add(key("server.tls.protocols", "list of `TLSv1.3` | `TLSv1.2`",
        code(ListenerTls.DEFAULT_PROTOCOLS.stream().collect(Collectors.joining(", ", "[", "]"))),
        "TLS versions offered; older ones never are").read(ListenerTls.class, ListenerTls::protocols));
    k.add(key("server.tls.ciphers", "list of cipher suites", "forward-secret AEAD suites only: `"
        + ListenerTls.DEFAULT_CIPHERS.stream().collect(Collectors.joining(", ", "[", "]")) + "`",
        "suites offered, JSSE names; TLS 1.3 ones apply to TLSv1.3, the others to TLSv1.2")
        .read(ListenerTls.class, ListenerTls::ciphers));
    k.add(section("server.tls.acme", "none: certificates from files only",
        "automatic certificates from an ACME CA (Let's Encrypt), one per domain, renewed in the background")
        .read(ListenerTls.class, ListenerTls::acme).flags(Flag.LIVE));
    k.add(key("server.tls.acme.email", "string", "none: no contact", "contact address given to the CA")
        .read(AcmeConfig.class, AcmeConfig::email));
    k.add(key("server.tls.acme.domains", "list of domain names", "required in `acme`",
        "the names to get certificates for (no wildcards); served by SNI").read(AcmeConfig.class, AcmeConfig::domains));
    k.add(key("server.tls.acme.directory_url", "https URL", code(AcmeConfig.DEFAULT_DIRECTORY_URL),
        "the CA's ACME directory (Let's Encrypt staging: `https://acme-staging-v02.api.letsencrypt.org/directory`)")
        .read(AcmeConfig.class, AcmeConfig::directoryUrl));
    k.add(key("server.tls.acme.storage_path", "directory", code(AcmeConfig.DEFAULT_STORAGE_PATH),
        "account key and certificates (directory 0700, files 0600), reused at restart")
        .read(AcmeConfig.class, AcmeConfig::storagePath));
    k.add(key("server.tls.acme.challenge", words(Arrays.stream(AcmeConfig.Challenge.values())
        .map(AcmeConfig.Challenge::yamlName).collect(Collectors.toList())), "`http-01`",
        "`http-01` is answered on `server.http_bind_address` (port 80), `tls-alpn-01` on the TLS listener (port 443)")
        .read(AcmeConfig.class, a -> a.challenge().yamlName()));
    k.add(key("server.tls.acme.ca_path", "file", "none: the JVM's trust store",
        "PEM bundle trusted for the directory's own HTTPS (test CAs such as Pebble)")
        .read(AcmeConfig.class, AcmeConfig::caPath));
    k.add(integer("server.tls.acme.renew_before_days", 1, 365, AcmeConfig.DEFAULT_RENEW_BEFORE_DAYS,
        "renew this long before expiry (at two thirds of the lifetime when the certificate lives shorter)")
        .read(AcmeConfig.class, AcmeConfig::renewBeforeDays));
    k.add(key("server.http_bind_address", "host:port", "none: no plain listener",
        "a plain-HTTP listener (e.g. `0.0.0.0:80`): answers ACME http-01 challenges, then routes or redirects")
        .read(ServerConfig.class, s -> s.httpBindAddress().map(Object::toString)).flags(Flag.RESTART));
    k.add(bool("server.https_redirect", false,
        "the plain listener answers everything else with 308 to `https://` (same host, path and query)")
        .read(ServerConfig.class, ServerConfig::httpsRedirect));
    k.add(integer("server.max_header_size", 1024, 1024 * 1024, ServerConfig.DEFAULT_MAX_HEADER_SIZE,
        "bytes of request line plus headers; a larger head gets 431")
        .read(ServerConfig.class, ServerConfig::maxHeaderSize).flags(Flag.LISTENER));
    k.add(integer("server.max_request_line", 256, 1024 * 1024, ServerConfig.DEFAULT_MAX_REQUEST_LINE,
        "bytes of the request line; a longer one gets 414")
        .read(ServerConfig.class, ServerConfig::maxRequestLine).flags(Flag.LISTENER));
    k.add(integer("server.idle_timeout_secs", 1, MAX_SECS, ServerConfig.DEFAULT_IDLE_TIMEOUT_SECS,
        "a client connection with no request in flight is closed after this (nginx's keepalive_timeout); also"
            + " the limit for a client that accepts no response byte, and for a silent WebSocket tunnel")
        .read(ServerConfig.class, ServerConfig::idleTimeoutSecs));
    k.add(integer("server.header_timeout_secs", 1, MAX_SECS, ServerConfig.DEFAULT_HEADER_TIMEOUT_SECS,
        "a client that started a request head and has not finished it by then gets 408 (slowloris defence)")
        .read(ServerConfig.class, ServerConfig::headerTimeoutSecs));
    k.add(integer("server.body_timeout_secs", 1, MAX_SECS, ServerConfig.DEFAULT_BODY_TIMEOUT_SECS,
        "a client that sends no request body byte for this long gets 408 `client_timeout` (never counted"
            + " against a server)")
        .read(ServerConfig.class, ServerConfig::bodyTimeoutSecs));
    k.add(integer("server.max_body_size", 0, ServerConfig.MAX_BODY_SIZE, "none: unlimited",
        "request body bytes; more gets 413 `body_too_large` (at once when Content-Length says so); `0`: unlimited")
        .read(ServerConfig.class, ServerConfig::maxBodySize));
    k.add(integer("server.shutdown_grace_secs", 0, MAX_SECS, ServerConfig.DEFAULT_SHUTDOWN_GRACE_SECS,
        "in-flight requests may finish for this long after SIGTERM/SIGINT")
        .read(ServerConfig.class, ServerConfig::shutdownGraceSecs));
    k.add(bool("server.allow_encoded_slashes", false,
        "accept `%2F`, `%5C`, `%00` and `\\` in a path and forward them as they are (still encoded) instead of"
            + " answering 400")
        .read(ServerConfig.class, ServerConfig::allowEncodedSlashes));
    k.add(bool("server.underscores_in_headers", false,
        "keep client header names containing `_` (dropped by default, as nginx does)")
        .read(ServerConfig.class, ServerConfig::underscoresInHeaders));
    k.add(key("server.trusted_proxies", "list of CIDR", "`[]`",
        "peers whose `X-Forwarded-*`, `Forwarded` and `X-Real-IP` are kept (`X-Forwarded-For` appended to);"
            + " from any other peer they are replaced by the proxy's own")
        .read(ServerConfig.class, s -> strings(s.trustedProxies())));
    k.add(bool("server.h2c", ServerConfig.DEFAULT_H2C,
        "plain listeners also speak cleartext HTTP/2 with prior knowledge (h2c, as gRPC clients use); the TLS"
            + " listener offers h2 and http/1.1 by ALPN either way")
        .read(ServerConfig.class, ServerConfig::h2c).flags(Flag.LISTENER));
  }

  private static void logging(List<Builder> k) {
    k.add(section("logging", "optional", "log level and format").read(ProxyConfig.class, ProxyConfig::logging));
    k.add(key("logging.level", "level spec", code(LoggingConfig.DEFAULT_LEVEL),
        "`trace` `debug` `info` `warn` `error`, or per logger (`cloud.locci=debug,io.netty=warn`);"
            + " `--log-level`, `LOCCI_LOG` and `RUST_LOG` override it")
        .read(LoggingConfig.class, LoggingConfig::level));
    k.add(key("logging.format", words(Arrays.stream(LoggingConfig.LogFormat.values())
            .map(f -> f.name().toLowerCase(Locale.ROOT)).collect(Collectors.toList())),
        code(LoggingConfig.defaults().format().name().toLowerCase(Locale.ROOT)),
        "application and access log lines as text or as JSON objects")
        .read(LoggingConfig.class, l -> l.format().name().toLowerCase(Locale.ROOT)).flags(Flag.RESTART));
    k.add(bool("logging.access_log", LoggingConfig.defaults().accessLog(), "one log line per request")
        .read(LoggingConfig.class, LoggingConfig::accessLog));
  }

  private static void upstreams(List<Builder> k) {
    k.add(names("upstreams", "required", "named server groups; both modes send requests to them")
        .read(ProxyConfig.class, ProxyConfig::upstreams));
    k.add(section("upstreams.<name>", "-", "one group; `load_balancer.upstream` and routes refer to it by this name")
        .read(UpstreamConfig.class, u -> u));
    k.add(key("upstreams.<name>.servers", "list", "required",
        "at least one server: `\"host:port\"` (never a scheme) or `{address, weight}`")
        .read(UpstreamConfig.class, UpstreamConfig::servers).flags(Flag.API_MUTABLE));
    k.add(key("upstreams.<name>.servers[].address", "host:port", "required in the `{address, weight}` form",
        "the server").read(ServerEntry.class, s -> s.address().toString()));
    k.add(integer("upstreams.<name>.servers[].weight", 1, 1000, 1, "the server's share under `weighted_round_robin`")
        .read(ServerEntry.class, ServerEntry::weight));
    k.add(key("upstreams.<name>.strategy",
        words(Arrays.stream(Strategy.values()).map(Strategy::yamlName).collect(Collectors.toList())),
        code(Strategy.ROUND_ROBIN.yamlName()), "how a server is chosen for each request")
        .read(UpstreamConfig.class, u -> u.strategy().yamlName()).flags(Flag.API_MUTABLE));
    k.add(key("upstreams.<name>.hash_on", "`client_ip` | `path` | `header:NAME`",
        code(UpstreamConfig.HashOn.CLIENT_IP), "what `consistent_hash` hashes")
        .read(UpstreamConfig.class, u -> u.hashOn().toString()).flags(Flag.API_MUTABLE));
    k.add(bool("upstreams.<name>.tls", false, "connect to the servers over TLS").read(UpstreamConfig.class, UpstreamConfig::tls));
    k.add(key("upstreams.<name>.sni", "host name", "none: the address's host",
        "TLS server name sent in the handshake and verified against the certificate")
        .read(UpstreamConfig.class, UpstreamConfig::sni));
    k.add(bool("upstreams.<name>.tls_verify", true, "verify the servers' certificates (`false` only for testing)")
        .read(UpstreamConfig.class, UpstreamConfig::tlsVerify));
    k.add(key("upstreams.<name>.ca_path", "file", "none: the JVM's trust store",
        "PEM file of the CAs trusted for these servers").read(UpstreamConfig.class, UpstreamConfig::caPath));
    k.add(section("upstreams.<name>.health_check", "none: every server counts as healthy", "active checks of every server")
        .read(UpstreamConfig.class, UpstreamConfig::healthCheck));
    k.add(integer("upstreams.<name>.health_check.interval_secs", 1, MAX_SECS, HealthCheckConfig.DEFAULT_INTERVAL_SECS,
        "time between two checks of a server").read(HealthCheckConfig.class, HealthCheckConfig::intervalSecs));
    k.add(integer("upstreams.<name>.health_check.timeout_secs", 1, MAX_SECS, HealthCheckConfig.DEFAULT_TIMEOUT_SECS,
        "time one check may take").read(HealthCheckConfig.class, HealthCheckConfig::timeoutSecs));
    k.add(key("upstreams.<name>.health_check.path", "path", "none: a TCP connect check",
        "HTTP GET of this path, expecting a 2xx answer").read(HealthCheckConfig.class, HealthCheckConfig::path));
    k.add(integer("upstreams.<name>.health_check.healthy_threshold", 1, 1000, 1,
        "consecutive successes that bring a server back")
        .read(HealthCheckConfig.class, HealthCheckConfig::healthyThreshold));
    k.add(integer("upstreams.<name>.health_check.unhealthy_threshold", 1, 1000, 1,
        "consecutive failures that take a server out")
        .read(HealthCheckConfig.class, HealthCheckConfig::unhealthyThreshold));
    k.add(section("upstreams.<name>.passive", "none: no passive ejection",
        "take a server out after failed proxied requests (nginx's `max_fails`)")
        .read(UpstreamConfig.class, UpstreamConfig::passive));
    k.add(integer("upstreams.<name>.passive.max_fails", 1, 1_000_000, PassiveConfig.DEFAULT_MAX_FAILS,
        "failed requests (refused, reset, TLS failure, timeout) that eject a server")
        .read(PassiveConfig.class, PassiveConfig::maxFails));
    k.add(integer("upstreams.<name>.passive.fail_timeout_secs", 1, MAX_SECS, PassiveConfig.DEFAULT_FAIL_TIMEOUT_SECS,
        "the window the failures are counted in, and how long the server stays out")
        .read(PassiveConfig.class, PassiveConfig::failTimeoutSecs));
    k.add(integer("upstreams.<name>.max_connections_per_server", 1, 1_000_000,
        UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_SERVER, "pooled connections to one server, per process")
        .read(UpstreamConfig.class, UpstreamConfig::maxConnectionsPerServer));
    k.add(integer("upstreams.<name>.connect_timeout_secs", 1, MAX_SECS, UpstreamConfig.DEFAULT_CONNECT_TIMEOUT_SECS,
        "TCP (and TLS) handshake timeout, also the wait for a free pooled connection; a timed-out connect tries"
            + " the next server, 504 `upstream_timeout` when every attempt timed out")
        .read(UpstreamConfig.class, UpstreamConfig::connectTimeoutSecs));
    k.add(key("upstreams.<name>.protocol",
        words(Arrays.stream(UpstreamConfig.Protocol.values()).map(UpstreamConfig.Protocol::yamlName)
            .collect(Collectors.toList())),
        code(UpstreamConfig.Protocol.HTTP1.yamlName()),
        "HTTP/1.1, cleartext HTTP/2 (prior knowledge) or HTTP/2 over TLS (`h2` needs `tls: true`); HTTP/2"
            + " requests share connections as streams")
        .read(UpstreamConfig.class, u -> u.protocol().yamlName()));
  }

  private static void loadBalancer(List<Builder> k) {
    k.add(section("load_balancer", "required when `mode` is `load_balancer`",
        "the load balancer: every request goes to one group").read(ProxyConfig.class, ProxyConfig::loadBalancer));
    k.add(key("load_balancer.upstream", "upstream name", "required", "the group every request goes to")
        .read(LoadBalancerConfig.class, LoadBalancerConfig::upstream));
    k.add(key("load_balancer.middlewares", "list of middleware names", "`[]`",
        "middleware instances run on every request, in order")
        .read(LoadBalancerConfig.class, LoadBalancerConfig::middlewares));
  }

  private static void gateway(List<Builder> k) {
    k.add(section("api_gateway", "required when `mode` is `api_gateway`",
        "the gateway: routes choose the group by host, path and method").read(ProxyConfig.class, ProxyConfig::apiGateway));
    k.add(names("api_gateway.routes", "`{}`: every request gets 404",
        "routes, tried longest `path_pattern` first (ties in file order)").read(GatewayConfig.class, GatewayConfig::routes));
    k.add(section("api_gateway.routes.<name>", "-", "one route; the name appears in logs and metrics")
        .read(RouteConfig.class, r -> r));
    routes(k);
    k.add(names(GATEWAY_MIDDLEWARES, "`{}`", "middleware instances, each with the keys of `middlewares.<name>` below")
        .read(GatewayConfig.class, GatewayConfig::middlewares));
  }

  /** The keys of one route: {@code api_gateway.routes.<name>.*}. */
  private static void routes(List<Builder> k) {
    String r = "api_gateway.routes.<name>.";
    k.add(key(r + "path_pattern", "RE2 regex", "required",
        "matched against the request path (not the query); Go/RE2 syntax, linear time")
        .read(RouteConfig.class, RouteConfig::pathPattern));
    k.add(key(r + "methods", "list of methods", "`[]`: every method", "allowed methods; others get 405 with `Allow`")
        .read(RouteConfig.class, RouteConfig::methods));
    k.add(key(r + "upstream", "upstream name", "required unless `split` is set", "the group this route sends to")
        .read(RouteConfig.class, c -> c.policies().split().isEmpty() ? c.upstream() : null));
    k.add(bool(r + "strip_prefix", false, "remove the matched part of the path before forwarding (`/` when nothing is left)")
        .read(RouteConfig.class, RouteConfig::stripPrefix));
    k.add(integer(r + "timeout_secs", 1, MAX_SECS, RouteConfig.DEFAULT_TIMEOUT_SECS,
        "the upstream may stay silent this long; 504 after it").read(RouteConfig.class, RouteConfig::timeoutSecs));
    k.add(key(r + "host", "host name", "none: every host",
        "exact host, or `*.example.com` for any name under it; compared without the port, ignoring case")
        .read(RouteConfig.class, RouteConfig::host));
    k.add(integer(r + "retries", 0, 10, 0,
        "extra attempts on another server when the upstream failed after the request was sent; idempotent"
            + " methods whose body was not read yet only (a failed connect always fails over, whatever this says)")
        .read(RouteConfig.class, RouteConfig::retries));
    k.add(integer(r + "max_body_size", 0, ServerConfig.MAX_BODY_SIZE, "none: `server.max_body_size`",
        "request body bytes on this route; more gets 413 `body_too_large`; `0`: unlimited")
        .read(RouteConfig.class, RouteConfig::maxBodySize));
    k.add(key(r + "middlewares", "list of middleware names", "`[]`",
        "middleware instances run on this route's requests, in order").read(RouteConfig.class, RouteConfig::middlewares));
    k.add(section(r + "mirror", "none: no copies",
        "send a copy of requests to another upstream, fire-and-forget: its answer is discarded, its slowness or"
            + " failure never reaches the client; bodies over 1 MiB are not copied (`skipped`)")
        .read(RouteConfig.class, RouteConfig::mirror));
    k.add(key(r + "mirror.upstream", "upstream name", "required",
        "the group the copies go to (its own strategy and health apply)").read(MirrorConfig.class, MirrorConfig::upstream));
    k.add(integer(r + "mirror.percent", 0, 100, 100,
        "share of the route's forwarded requests copied; exact over any 100 consecutive requests")
        .read(MirrorConfig.class, MirrorConfig::percent));
    routePolicies(k);
  }

  /** SPEC §11, per route: matchers, split, rewrite, header rules. */
  private static void routePolicies(List<Builder> k) {
    String r = "api_gateway.routes.<name>.";
    k.add(names(r + "match_headers", "`{}`",
        "header name to the exact value it must have (`\"*\"`: present with any value); names ignore case,"
            + " the first value counts; a route with more matchers is tried first at equal pattern length")
        .read(RouteConfig.class, c -> emptyAsNull(c.policies().matchHeaders())));
    k.add(key(r + "match_headers.<name>", "string", "required", "the value, or `*`").read(String.class, v -> v));
    k.add(names(r + "match_query", "`{}`",
        "query parameter to the exact value it must have (`\"*\"`: present); first occurrence, percent-decoded,"
            + " `+` as a space")
        .read(RouteConfig.class, c -> emptyAsNull(c.policies().matchQuery())));
    k.add(key(r + "match_query.<name>", "string", "required", "the value, or `*`").read(String.class, v -> v));
    k.add(key(r + "split", "list of `{upstream, weight}`", "none: `upstream`",
        "instead of `upstream`: each request goes to one of these groups, smooth weighted and process-wide, so"
            + " any 100 consecutive requests of 90/10 go exactly 90 and 10; then that group's strategy picks the server")
        .read(RouteConfig.class, c -> emptyAsNull(c.policies().split())));
    k.add(key(r + "split[].upstream", "upstream name", "required", "one group of the split")
        .read(RoutePolicies.SplitEntry.class, RoutePolicies.SplitEntry::upstream));
    k.add(integer(r + "split[].weight", 0, RoutePolicies.MAX_WEIGHT, "required",
        "its share; `0` takes it out (not every weight may be 0)")
        .read(RoutePolicies.SplitEntry.class, RoutePolicies.SplitEntry::weight));
    k.add(section(r + "rewrite", "none: the path as matched",
        "rewrites the path after `strip_prefix`; the query string is kept")
        .read(RouteConfig.class, c -> c.policies().rewrite()));
    k.add(key(r + "rewrite.pattern", "RE2 regex", "required in `rewrite`", "every match in the path is replaced")
        .read(RoutePolicies.Rewrite.class, RoutePolicies.Rewrite::pattern));
    k.add(key(r + "rewrite.replacement", "string", "required in `rewrite`",
        "the replacement: `$1`-`$9` are groups, `$$` a dollar; a result without a leading `/` gets one")
        .read(RoutePolicies.Rewrite.class, RoutePolicies.Rewrite::replacement));
    headerRules(k, r + "request_headers", "headers sent upstream");
    headerRules(k, r + "response_headers", "headers sent back to the client (also on the proxy's own errors)");
  }

  private static void headerRules(List<Builder> k, String p, String what) {
    boolean response = p.endsWith("response_headers");
    k.add(section(p, "none: unchanged", what + ": `remove`, then `set`, then `add`; values may use `${client_ip}`,"
        + " `${request_id}`, `${route}`, `${upstream}`; framing and hop-by-hop headers are refused"
        + (response ? ", and `Host`" : ""))
        .read(RouteConfig.class, c -> emptyAsNull(response ? c.policies().responseHeaders() : c.policies().requestHeaders())));
    k.add(names(p + ".set", "`{}`", "header name to the value that replaces any it has")
        .read(RoutePolicies.HeaderRuleSet.class, h -> emptyAsNull(h.set())));
    k.add(key(p + ".set.<name>", "string (template)", "required", "the value").read(String.class, v -> v));
    k.add(names(p + ".add", "`{}`", "header name to a value appended to those it has")
        .read(RoutePolicies.HeaderRuleSet.class, h -> emptyAsNull(h.add())));
    k.add(key(p + ".add.<name>", "string (template)", "required", "the value").read(String.class, v -> v));
    k.add(key(p + ".remove", "list of header names", "`[]`", "headers deleted")
        .read(RoutePolicies.HeaderRuleSet.class, h -> emptyAsNull(h.remove())));
  }

  private static Object emptyAsNull(Object v) {
    boolean empty = v instanceof Map<?, ?> m ? m.isEmpty() : v instanceof List<?> l ? l.isEmpty()
        : v instanceof RoutePolicies.HeaderRuleSet h && h.isEmpty();
    return empty ? null : v;
  }

  private static void middlewares(List<Builder> k) {
    k.add(names("middlewares", "`{}`", "middleware instances usable by both modes")
        .read(ProxyConfig.class, ProxyConfig::middlewares));
    k.add(section("middlewares.<name>", "-", "one instance; routes and `load_balancer` name it")
        .read(MiddlewareConfig.class, m -> m));
    k.add(key("middlewares.<name>.type", words(MiddlewareConfig.TYPES), "none: the instance's name, which must"
        + " then be a type", "what the instance does; the keys below belong to the type named before them")
        .read(MiddlewareConfig.class, MiddlewareConfig::type));
    rateLimiting(k);
    authentication(k);
    cors(k);
    ipFilter(k);
    compression(k);
  }

  private static void ipFilter(List<Builder> k) {
    String m = "middlewares.<name>.";
    k.add(key(m + "allow", "list of CIDR", "`[]`: every address",
        "ip_filter: when set, only client addresses in these blocks pass; others get 403 `ip_denied`")
        .read(MiddlewareConfig.IpFilter.class, f -> strings(f.allow())));
    k.add(key(m + "deny", "list of CIDR", "`[]`",
        "ip_filter: client addresses in these blocks get 403 `ip_denied`, whatever `allow` says")
        .read(MiddlewareConfig.IpFilter.class, f -> strings(f.deny())));
    k.add(key(m + "trusted_proxies", "list of CIDR", "`[]`: the TCP peer is the client",
        "ip_filter: peers whose `X-Forwarded-For` is believed: its rightmost entry outside these blocks is the"
            + " client (the peer must be in `server.trusted_proxies` too, else the header is gone)")
        .read(MiddlewareConfig.IpFilter.class, f -> strings(f.trustedProxies())));
  }

  private static void compression(List<Builder> k) {
    String m = "middlewares.<name>.";
    k.add(integer(m + "min_bytes", 0, Integer.MAX_VALUE, MiddlewareConfig.Compression.DEFAULT_MIN_BYTES,
        "compression: responses with a smaller `Content-Length` are sent as they are; chunked ones are compressed")
        .read(MiddlewareConfig.Compression.class, MiddlewareConfig.Compression::minBytes));
    k.add(key(m + "types", "list of media types", "`[\"text/*\", application/json, application/javascript, \"image/svg+xml\"]`",
        "compression: `Content-Type`s gzipped (for clients that accept gzip); `type/*` takes a whole family")
        .read(MiddlewareConfig.Compression.class, MiddlewareConfig.Compression::types));
  }

  private static void rateLimiting(List<Builder> k) {
    String m = "middlewares.<name>.";
    k.add(integer(m + "requests_per_minute", 1, 100_000_000, "required",
        "rate_limiting: refill rate of each client's token bucket; 429 with `Retry-After` when empty")
        .read(RateLimiting.class, RateLimiting::requestsPerMinute));
    k.add(integer(m + "burst_size", 1, 100_000_000, "none: `requests_per_minute`",
        "rate_limiting: bucket capacity (buckets start full)").read(RateLimiting.class, RateLimiting::burstSize));
    k.add(key(m + "key", "`client_ip` | `header:NAME` | `jwt_sub`", "`client_ip`",
        "rate_limiting: what identifies a client: its address (IPv6 by /64), a header's value (chosen by the"
            + " client), or the `sub` verified by an authentication middleware listed before it")
        .read(RateLimiting.class, r -> r.key().toString()));
    k.add(key(m + "key_header", "header name", "none: the client address",
        "rate_limiting: the seed's spelling of `key: header:NAME` (a value the client chooses)")
        .read(RateLimiting.class, r -> r.key() instanceof RateKey.Header h ? h.name() : null).flags(Flag.ALIAS));
    k.add(key(m + "scope", words(Arrays.stream(RateLimitScope.values()).map(RateLimitScope::yamlName).toList()),
        "`local`", "rate_limiting: `cluster` shares the budget among the live cluster nodes, each enforcing its part")
        .read(RateLimiting.class, r -> r.scope().yamlName()));
  }

  private static void authentication(List<Builder> k) {
    String m = "middlewares.<name>.";
    k.add(key(m + "jwt_secret", "string", "required unless `public_key_path`",
        "authentication: HS256 secret of the Bearer JWTs; 32 bytes or more")
        .read(Authentication.class, Authentication::jwtSecret).flags(Flag.SECRET));
    k.add(key(m + "public_key_path", "file", "required unless `jwt_secret`",
        "authentication: PEM public key, RSA for RS256 or EC for ES256/384/512")
        .read(Authentication.class, Authentication::publicKeyPath));
    k.add(key(m + "excluded_paths", "list of paths", "`[]`",
        "authentication: paths that need no token; exact, or a prefix when ending in `/*`")
        .read(Authentication.class, Authentication::excludedPaths));
    k.add(key(m + "audience", "string", "none: `aud` not checked",
        "authentication: the token's `aud` (a string or an array) must contain it; a token without `aud` gets 401")
        .read(Authentication.class, Authentication::audience));
    k.add(key(m + "issuer", "string", "none: `iss` not checked",
        "authentication: the token's `iss` must equal it; a token without `iss` gets 401")
        .read(Authentication.class, Authentication::issuer));
    k.add(bool(m + "require_exp", true, "authentication: a token without `exp` gets 401")
        .read(Authentication.class, Authentication::requireExp));
  }

  private static void cors(List<Builder> k) {
    String m = "middlewares.<name>.";
    k.add(key(m + "allowed_origins", "list of origins", "`[\"*\"]`",
        "cors: `*` or exact origins such as `https://app.example.com`; with credentials, neither `*` nor `null`")
        .read(Cors.class, Cors::allowedOrigins));
    k.add(key(m + "allowed_methods", "list of methods", "`[GET, HEAD, POST, PUT, PATCH, DELETE]`",
        "cors: methods a preflight may ask for").read(Cors.class, Cors::allowedMethods));
    k.add(key(m + "allowed_headers", "list of header names", "`[\"*\"]`",
        "cors: headers a preflight may ask for; `*` allows any").read(Cors.class, Cors::allowedHeaders));
    k.add(bool(m + "allow_credentials", false, "cors: send `Access-Control-Allow-Credentials: true`")
        .read(Cors.class, Cors::allowCredentials));
    k.add(integer(m + "max_age_secs", 0, MAX_SECS * 7, "none: no `Access-Control-Max-Age`",
        "cors: how long a browser may cache a preflight answer").read(Cors.class, Cors::maxAgeSecs));
    k.add(key(m + "expose_headers", "list of header names", "`[]`", "cors: response headers a page may read")
        .read(Cors.class, Cors::exposeHeaders));
  }

  private static void controlApi(List<Builder> k) {
    k.add(section("control_api", "optional", "the control API's own listener")
        .read(ProxyConfig.class, ProxyConfig::controlApi));
    k.add(bool("control_api.enabled", ControlApiConfig.defaults().enabled(), "whether the control API listens at all")
        .read(ControlApiConfig.class, ControlApiConfig::enabled).flags(Flag.RESTART));
    k.add(key("control_api.bind_address", "host:port", code(ControlApiConfig.DEFAULT_BIND),
        "its listener; loopback by default, so other hosts cannot reach it unless you say so")
        .read(ControlApiConfig.class, c -> c.bindAddress().toString()).flags(Flag.RESTART));
    k.add(key("control_api.api_key", "string", "none: no key required (then loopback only)",
        "every endpoint then requires `Authorization: Bearer KEY` or `X-API-Key: KEY`; 32 bytes or more;"
            + " without it `bind_address` must be a loopback address")
        .read(ControlApiConfig.class, ControlApiConfig::apiKey).flags(Flag.SECRET));
    k.add(key("control_api.allowed_origins", "list of origins", "`[]`",
        "browser origins allowed besides the listener's own; another `Origin` gets 403")
        .read(ControlApiConfig.class, ControlApiConfig::allowedOrigins));
    k.add(key("control_api.allowed_hosts", "list of host names", "`[]`",
        "`Host` values allowed besides the bind address and `localhost`, `127.0.0.1`, `[::1]`; another gets 421")
        .read(ControlApiConfig.class, ControlApiConfig::allowedHosts));
  }

  private static void tracing(List<Builder> k) {
    k.add(section("tracing", "optional", "OpenTelemetry traces exported by OTLP over HTTP (see Tracing)")
        .read(ProxyConfig.class, ProxyConfig::tracing));
    k.add(bool("tracing.enabled", TracingConfig.defaults().enabled(),
        "a server span per request and a client span per upstream attempt; W3C `traceparent` continued")
        .read(TracingConfig.class, TracingConfig::enabled));
    k.add(key("tracing.otlp_endpoint", "http(s) URL with port and path", code(TracingConfig.DEFAULT_ENDPOINT),
        "the collector's OTLP/HTTP traces URL, used as written (protobuf, batched)")
        .read(TracingConfig.class, TracingConfig::otlpEndpoint));
    k.add(decimal("tracing.sample_ratio", 0, 1, TracingConfig.DEFAULT_SAMPLE_RATIO,
        "share of new traces recorded; a request with `traceparent` follows its sampled flag")
        .read(TracingConfig.class, TracingConfig::sampleRatio));
    k.add(key("tracing.service_name", "string", code(TracingConfig.DEFAULT_SERVICE), "the spans' `service.name`")
        .read(TracingConfig.class, TracingConfig::serviceName));
  }

  private static void cluster(List<Builder> k) {
    k.add(section("cluster", "optional", "cluster mode: nodes that share control-API changes and"
        + " cluster-scoped rate limits; every key here is the node's own")
        .read(ProxyConfig.class, ProxyConfig::cluster).flags(Flag.RESTART));
    k.add(bool("cluster.enabled", ClusterConfig.defaults().enabled(), "join the cluster (`start --cluster` does the same)")
        .read(ClusterConfig.class, ClusterConfig::enabled));
    k.add(key("cluster.name", "1-64 of `A-Za-z0-9._-`", code(ClusterConfig.DEFAULT_NAME),
        "nodes with different names never join each other, even on one host").read(ClusterConfig.class, ClusterConfig::name));
    k.add(key("cluster.host", "IP address or host name", code(ClusterConfig.DEFAULT_HOST),
        "the interface cluster traffic binds to and other nodes reach this one at")
        .read(ClusterConfig.class, ClusterConfig::host));
    k.add(integer("cluster.port", 1, 65535, ClusterConfig.DEFAULT_PORT, "the Hazelcast member port on `cluster.host`")
        .read(ClusterConfig.class, ClusterConfig::port));
    k.add(key("cluster.members", "list of host:port", "`[]`: wait to be contacted",
        "other nodes' `cluster.host:cluster.port` to join through (TCP/IP, no multicast)")
        .read(ClusterConfig.class, c -> strings(c.members())));
  }

  // ---------------------------------------------------------------------------------------------
  // Declaration helpers.

  /** A key with a README type and default written out. */
  static Builder key(String path, String type, String defaultText, String meaning) {
    return new Builder(path, type, defaultText, meaning);
  }

  static Builder section(String path, String defaultText, String meaning) {
    return new Builder(path, SECTION, defaultText, meaning);
  }

  static Builder names(String path, String defaultText, String meaning) {
    return new Builder(path, NAMES, defaultText, meaning);
  }

  /** A boolean with its default. */
  static Builder bool(String path, boolean defaultValue, String meaning) {
    Builder b = new Builder(path, "boolean", code(defaultValue), meaning);
    b.typedDefault = defaultValue;
    return b;
  }

  /**
   * An integer in {@code [min, max]}; {@code defaultValue} is a Number (the binder's default) or a README
   * text such as {@code "required"} or {@code "none: ..."}.
   */
  static Builder integer(String path, long min, long max, Object defaultValue, String meaning) {
    Builder b = new Builder(path, "integer " + min + "-" + max,
        defaultValue instanceof Number ? code(defaultValue) : (String) defaultValue, meaning);
    b.min = min;
    b.max = max;
    b.typedDefault = defaultValue instanceof Number n ? n.longValue() : null;
    return b;
  }

  /** A number (integer or decimal) in {@code [min, max]}. */
  static Builder decimal(String path, double min, double max, Object defaultValue, String meaning) {
    Builder b = new Builder(path, "number " + plain(min) + "-" + plain(max),
        defaultValue instanceof Number ? code(defaultValue) : (String) defaultValue, meaning);
    b.min = min;
    b.max = max;
    b.typedDefault = defaultValue instanceof Number n ? n.doubleValue() : null;
    return b;
  }

  private static String plain(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  static String words(List<String> values) {
    return values.stream().map(v -> "`" + v + "`").collect(Collectors.joining(" | "));
  }

  static String code(Object value) {
    return "`" + value + "`";
  }

  /** The YAML spelling of addresses and blocks: their {@code toString}. */
  private static List<String> strings(List<?> values) {
    return values.stream().map(Object::toString).toList();
  }

  /** A key being declared; {@link #build} makes it immutable. */
  static final class Builder {
    private final String path;
    private final String type;
    private final String defaultText;
    private final String meaning;
    private final Set<Flag> flags = EnumSet.noneOf(Flag.class);
    private Number min;
    private Number max;
    private Object typedDefault;
    private Function<Object, Object> reader;

    private Builder(String path, String type, String defaultText, String meaning) {
      this.path = path;
      this.type = type;
      this.defaultText = defaultText;
      this.meaning = meaning;
    }

    /**
     * Where the value sits: {@code get} applied to the parent's value when it is a {@code parentType}
     * (for a middleware key, only instances of that type have it).
     */
    <P> Builder read(Class<P> parentType, Function<? super P, ?> get) {
      this.reader = o -> parentType.isInstance(o) ? get.apply(parentType.cast(o)) : null;
      return this;
    }

    Builder flags(Flag... more) {
      flags.addAll(Arrays.asList(more));
      return this;
    }

    Key build() {
      if (reader == null) {
        throw new IllegalStateException(path + " has no reader: say where its value sits with .read(...)");
      }
      return new Key(path, type, defaultText, meaning, flags, min, max, typedDefault, reader);
    }
  }
}
