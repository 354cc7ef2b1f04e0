package cloud.locci.proxy.core.config;

import cloud.locci.proxy.core.config.UpstreamConfig.HealthCheckConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.PassiveConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Every key the configuration file accepts, with its type, default and meaning: the one source of the
 * README's key table and of {@code examples/config-full.yaml}'s coverage.
 *
 * <p>It cannot drift from the binder because tests hold the two together: binding the full example
 * records every key the binder asks for, and each must be listed here, and each listed key must be
 * asked for; the full example must contain every listed key; integer ranges and defaults are probed
 * against the binder; the README table must equal {@link #markdownTable()}.
 *
 * <p>Paths use {@code <name>} for a name the user chooses (an upstream, a route, a middleware
 * instance) and {@code []} for an item of a list. {@code api_gateway.middlewares.<name>} has exactly
 * the keys of {@code middlewares.<name>}, so they are listed once, under the top-level map.
 */
public final class ConfigReference {

  /** Marks a path segment that the user names. */
  private static final String NAME = "<name>";

  /** The map whose entries have the same keys as the top-level {@code middlewares.<name>}. */
  static final String GATEWAY_MIDDLEWARES = "api_gateway.middlewares";

  private static final int MAX_SECS = 24 * 3600;
  private static final List<Key> KEYS = build();

  private ConfigReference() {}

  /**
   * One key of the file.
   *
   * @param path dotted path, {@code <name>} for user-chosen names and {@code []} for list items
   * @param type {@code section}, {@code map of names}, {@code integer MIN-MAX}, {@code boolean},
   *     {@code host:port}, {@code file}, a list of the allowed words, ...
   * @param defaultValue the value when the key is absent; {@code required...} when it must be written,
   *     {@code none...} when absence means "off" or a computed value (said after the colon)
   * @param meaning one line: what it does
   */
  public record Key(String path, String type, String defaultValue, String meaning) {

    /** Whether this key holds other keys (a section or a map of user-named entries). */
    public boolean isSection() {
      return type.equals(SECTION) || type.equals(NAMES);
    }

    /** The inclusive bounds when the type is {@code integer MIN-MAX}. */
    public Optional<long[]> integerRange() {
      if (!type.startsWith("integer ")) {
        return Optional.empty();
      }
      String[] bounds = type.substring("integer ".length()).split("-");
      return Optional.of(new long[] {Long.parseLong(bounds[0]), Long.parseLong(bounds[1])});
    }
  }

  private static final String SECTION = "section";
  private static final String NAMES = "map of names";

  /** Every key, parents before children, in the order of the README table. */
  public static List<Key> keys() {
    return KEYS;
  }

  /**
   * The key that describes a concrete path such as {@code upstreams.users.servers[1].weight} or
   * {@code api_gateway.middlewares.strict.burst_size}; empty when no listed key matches.
   */
  static Optional<Key> lookup(String concretePath) {
    String normalized = concretePath.replaceAll("\\[\\d+]", "[]");
    if (normalized.startsWith(GATEWAY_MIDDLEWARES + ".")) {
      normalized = "middlewares." + normalized.substring(GATEWAY_MIDDLEWARES.length() + 1);
    }
    String[] segments = normalized.split("\\.", -1);
    for (Key k : KEYS) {
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
      if (!pattern[i].equals(NAME) && !pattern[i].equals(segments[i])) {
        return false;
      }
    }
    return true;
  }

  /** The README's key table: a Markdown table with one row per key, ending with a newline. */
  public static String markdownTable() {
    StringBuilder out = new StringBuilder("| key | type | default | meaning |\n|---|---|---|---|\n");
    for (Key k : KEYS) {
      out.append("| `").append(k.path()).append("` | ").append(cell(k.type())).append(" | ")
          .append(cell(k.defaultValue())).append(" | ").append(cell(k.meaning())).append(" |\n");
    }
    return out.toString();
  }

  private static String cell(String text) {
    return text.replace("|", "\\|");
  }

  private static String integer(long min, long max) {
    return "integer " + min + "-" + max;
  }

  private static String words(List<String> values) {
    return values.stream().map(v -> "`" + v + "`").collect(Collectors.joining(" | "));
  }

  private static String code(Object value) {
    return "`" + value + "`";
  }

  private static List<Key> build() {
    List<Key> k = new ArrayList<>();
    String modes = words(Arrays.stream(Mode.values()).map(Mode::yamlName).collect(Collectors.toList()));
    k.add(new Key("mode", modes, "required",
        "which of `load_balancer` and `api_gateway` runs (`--mode lb|gateway` overrides it)"));

    k.add(new Key("server", SECTION, "optional", "the proxy listener and its limits"));
    k.add(new Key("server.bind_address", "host:port", code(ServerConfig.DEFAULT_BIND),
        "where clients connect (`--bind` overrides it)"));
    k.add(new Key("server.workers", integer(1, 1024), "none: one per CPU core",
        "proxy verticle instances, one event loop each (`--instances` overrides it)"));
    k.add(new Key("server.tls", SECTION, "none: plain HTTP",
        "TLS termination on the listener, with HTTP/2 (ALPN) and HTTP/1.1"));
    k.add(new Key("server.tls.cert_path", "file", "required in `server.tls` unless `acme` is set",
        "PEM certificate chain (with `acme`: served to names ACME has no certificate for yet)"));
    k.add(new Key("server.tls.key_path", "file", "required with `cert_path`",
        "PEM private key (a warning when group or others may read it)"));
    k.add(new Key("server.tls.protocols", "list of `TLSv1.3` | `TLSv1.2`",
        code(ServerConfig.ListenerTls.DEFAULT_PROTOCOLS.stream().collect(Collectors.joining(", ", "[", "]"))),
        "TLS versions offered; older ones never are"));
    k.add(new Key("server.tls.ciphers", "list of cipher suites", "forward-secret AEAD suites only: `"
        + ServerConfig.ListenerTls.DEFAULT_CIPHERS.stream().collect(Collectors.joining(", ", "[", "]")) + "`",
        "suites offered, JSSE names; TLS 1.3 ones apply to TLSv1.3, the others to TLSv1.2"));
    k.add(new Key("server.tls.acme", SECTION, "none: certificates from files only",
        "automatic certificates from an ACME CA (Let's Encrypt), one per domain, renewed in the background"));
    k.add(new Key("server.tls.acme.email", "string", "none: no contact", "contact address given to the CA"));
    k.add(new Key("server.tls.acme.domains", "list of domain names", "required in `acme`",
        "the names to get certificates for (no wildcards); served by SNI"));
    k.add(new Key("server.tls.acme.directory_url", "https URL", code(AcmeConfig.DEFAULT_DIRECTORY_URL),
        "the CA's ACME directory (Let's Encrypt staging: `https://acme-staging-v02.api.letsencrypt.org/directory`)"));
    k.add(new Key("server.tls.acme.storage_path", "directory", code(AcmeConfig.DEFAULT_STORAGE_PATH),
        "account key and certificates (directory 0700, files 0600), reused at restart"));
    k.add(new Key("server.tls.acme.challenge", words(Arrays.stream(AcmeConfig.Challenge.values())
        .map(AcmeConfig.Challenge::yamlName).collect(Collectors.toList())), "`http-01`",
        "`http-01` is answered on `server.http_bind_address` (port 80), `tls-alpn-01` on the TLS listener (port 443)"));
    k.add(new Key("server.tls.acme.ca_path", "file", "none: the JVM's trust store",
        "PEM bundle trusted for the directory's own HTTPS (test CAs such as Pebble)"));
    k.add(new Key("server.tls.acme.renew_before_days", integer(1, 365), code(AcmeConfig.DEFAULT_RENEW_BEFORE_DAYS),
        "renew this long before expiry (at two thirds of the lifetime when the certificate lives shorter)"));
    k.add(new Key("server.http_bind_address", "host:port", "none: no plain listener",
        "a plain-HTTP listener (e.g. `0.0.0.0:80`): answers ACME http-01 challenges, then routes or redirects"));
    k.add(new Key("server.https_redirect", "boolean", "`false`",
        "the plain listener answers everything else with 308 to `https://` (same host, path and query)"));
    k.add(new Key("server.max_header_size", integer(1024, 1024 * 1024), code(ServerConfig.DEFAULT_MAX_HEADER_SIZE),
        "bytes of request line plus headers; a larger head gets 431"));
    k.add(new Key("server.max_request_line", integer(256, 1024 * 1024), code(ServerConfig.DEFAULT_MAX_REQUEST_LINE),
        "bytes of the request line; a longer one gets 414"));
    k.add(new Key("server.idle_timeout_secs", integer(1, MAX_SECS), code(ServerConfig.DEFAULT_IDLE_TIMEOUT_SECS),
        "a client connection with no request in flight is closed after this (nginx's keepalive_timeout); also"
            + " the limit for a client that accepts no response byte, and for a silent WebSocket tunnel"));
    k.add(new Key("server.header_timeout_secs", integer(1, MAX_SECS), code(ServerConfig.DEFAULT_HEADER_TIMEOUT_SECS),
        "a client that started a request head and has not finished it by then gets 408 (slowloris defence)"));
    k.add(new Key("server.body_timeout_secs", integer(1, MAX_SECS), code(ServerConfig.DEFAULT_BODY_TIMEOUT_SECS),
        "a client that sends no request body byte for this long gets 408 `client_timeout` (never counted"
            + " against a server)"));
    k.add(new Key("server.max_body_size", integer(0, ServerConfig.MAX_BODY_SIZE), "none: unlimited",
        "request body bytes; more gets 413 `body_too_large` (at once when Content-Length says so); `0`: unlimited"));
    k.add(new Key("server.shutdown_grace_secs", integer(0, MAX_SECS), code(ServerConfig.DEFAULT_SHUTDOWN_GRACE_SECS),
        "in-flight requests may finish for this long after SIGTERM/SIGINT"));
    k.add(new Key("server.allow_encoded_slashes", "boolean", "`false`",
        "accept `%2F`, `%5C`, `%00` and `\\` in a path and forward them as they are (still encoded) instead of"
            + " answering 400"));
    k.add(new Key("server.underscores_in_headers", "boolean", "`false`",
        "keep client header names containing `_` (dropped by default, as nginx does)"));
    k.add(new Key("server.trusted_proxies", "list of CIDR", "`[]`",
        "peers whose `X-Forwarded-*`, `Forwarded` and `X-Real-IP` are kept (`X-Forwarded-For` appended to);"
            + " from any other peer they are replaced by the proxy's own"));

    k.add(new Key("logging", SECTION, "optional", "log level and format"));
    k.add(new Key("logging.level", "level spec", code(LoggingConfig.DEFAULT_LEVEL),
        "`trace` `debug` `info` `warn` `error`, or per logger (`cloud.locci=debug,io.netty=warn`);"
            + " `--log-level`, `LOCCI_LOG` and `RUST_LOG` override it"));
    k.add(new Key("logging.format", words(Arrays.stream(LoggingConfig.LogFormat.values())
            .map(f -> f.name().toLowerCase(Locale.ROOT)).collect(Collectors.toList())),
        code(LoggingConfig.defaults().format().name().toLowerCase(Locale.ROOT)),
        "application and access log lines as text or as JSON objects"));
    k.add(new Key("logging.access_log", "boolean", code(LoggingConfig.defaults().accessLog()),
        "one log line per request"));

    k.add(new Key("upstreams", NAMES, "required", "named server groups; both modes send requests to them"));
    k.add(new Key("upstreams.<name>", SECTION, "-",
        "one group; `load_balancer.upstream` and routes refer to it by this name"));
    k.add(new Key("upstreams.<name>.servers", "list", "required",
        "at least one server: `\"host:port\"` (never a scheme) or `{address, weight}`"));
    k.add(new Key("upstreams.<name>.servers[].address", "host:port", "required in the `{address, weight}` form",
        "the server"));
    k.add(new Key("upstreams.<name>.servers[].weight", integer(1, 1000), "`1`",
        "the server's share under `weighted_round_robin`"));
    k.add(new Key("upstreams.<name>.strategy",
        words(Arrays.stream(Strategy.values()).map(Strategy::yamlName).collect(Collectors.toList())),
        code(Strategy.ROUND_ROBIN.yamlName()), "how a server is chosen for each request"));
    k.add(new Key("upstreams.<name>.hash_on", "`client_ip` | `path` | `header:NAME`",
        code(UpstreamConfig.HashOn.CLIENT_IP), "what `consistent_hash` hashes"));
    k.add(new Key("upstreams.<name>.tls", "boolean", "`false`", "connect to the servers over TLS"));
    k.add(new Key("upstreams.<name>.sni", "host name", "none: the address's host",
        "TLS server name sent in the handshake and verified against the certificate"));
    k.add(new Key("upstreams.<name>.tls_verify", "boolean", "`true`",
        "verify the servers' certificates (`false` only for testing)"));
    k.add(new Key("upstreams.<name>.ca_path", "file", "none: the JVM's trust store",
        "PEM file of the CAs trusted for these servers"));
    k.add(new Key("upstreams.<name>.health_check", SECTION, "none: every server counts as healthy",
        "active checks of every server"));
    k.add(new Key("upstreams.<name>.health_check.interval_secs", integer(1, MAX_SECS),
        code(HealthCheckConfig.DEFAULT_INTERVAL_SECS), "time between two checks of a server"));
    k.add(new Key("upstreams.<name>.health_check.timeout_secs", integer(1, MAX_SECS),
        code(HealthCheckConfig.DEFAULT_TIMEOUT_SECS), "time one check may take"));
    k.add(new Key("upstreams.<name>.health_check.path", "path", "none: a TCP connect check",
        "HTTP GET of this path, expecting a 2xx answer"));
    k.add(new Key("upstreams.<name>.health_check.healthy_threshold", integer(1, 1000), "`1`",
        "consecutive successes that bring a server back"));
    k.add(new Key("upstreams.<name>.health_check.unhealthy_threshold", integer(1, 1000), "`1`",
        "consecutive failures that take a server out"));
    k.add(new Key("upstreams.<name>.passive", SECTION, "none: no passive ejection",
        "take a server out after failed proxied requests (nginx's `max_fails`)"));
    k.add(new Key("upstreams.<name>.passive.max_fails", integer(1, 1_000_000), code(PassiveConfig.DEFAULT_MAX_FAILS),
        "failed requests (refused, reset, TLS failure, timeout) that eject a server"));
    k.add(new Key("upstreams.<name>.passive.fail_timeout_secs", integer(1, MAX_SECS),
        code(PassiveConfig.DEFAULT_FAIL_TIMEOUT_SECS),
        "the window the failures are counted in, and how long the server stays out"));
    k.add(new Key("upstreams.<name>.max_connections_per_server", integer(1, 1_000_000),
        code(UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_SERVER), "pooled connections to one server, per process"));
    k.add(new Key("upstreams.<name>.connect_timeout_secs", integer(1, MAX_SECS),
        code(UpstreamConfig.DEFAULT_CONNECT_TIMEOUT_SECS), "TCP (and TLS) connect timeout; 502 after it"));

    k.add(new Key("load_balancer", SECTION, "required when `mode` is `load_balancer`",
        "the load balancer: every request goes to one group"));
    k.add(new Key("load_balancer.upstream", "upstream name", "required", "the group every request goes to"));
    k.add(new Key("load_balancer.middlewares", "list of middleware names", "`[]`",
        "middleware instances run on every request, in order"));

    k.add(new Key("api_gateway", SECTION, "required when `mode` is `api_gateway`",
        "the gateway: routes choose the group by host, path and method"));
    k.add(new Key("api_gateway.routes", NAMES, "`{}`: every request gets 404",
        "routes, tried longest `path_pattern` first (ties in file order)"));
    k.add(new Key("api_gateway.routes.<name>", SECTION, "-", "one route; the name appears in logs and metrics"));
    k.add(new Key("api_gateway.routes.<name>.path_pattern", "RE2 regex", "required",
        "matched against the request path (not the query); Go/RE2 syntax, linear time"));
    k.add(new Key("api_gateway.routes.<name>.methods", "list of methods", "`[]`: every method",
        "allowed methods; others get 405 with `Allow`"));
    k.add(new Key("api_gateway.routes.<name>.upstream", "upstream name", "required", "the group this route sends to"));
    k.add(new Key("api_gateway.routes.<name>.strip_prefix", "boolean", "`false`",
        "remove the matched part of the path before forwarding (`/` when nothing is left)"));
    k.add(new Key("api_gateway.routes.<name>.timeout_secs", integer(1, MAX_SECS), code(RouteConfig.DEFAULT_TIMEOUT_SECS),
        "the upstream may stay silent this long; 504 after it"));
    k.add(new Key("api_gateway.routes.<name>.host", "host name", "none: every host",
        "exact host, or `*.example.com` for any name under it; compared without the port, ignoring case"));
    k.add(new Key("api_gateway.routes.<name>.retries", integer(0, 10), "`0`",
        "extra attempts on another server when the upstream failed after the request was sent; idempotent"
            + " methods whose body was not read yet only (a failed connect always fails over, whatever this says)"));
    k.add(new Key("api_gateway.routes.<name>.max_body_size", integer(0, ServerConfig.MAX_BODY_SIZE),
        "none: `server.max_body_size`",
        "request body bytes on this route; more gets 413 `body_too_large`; `0`: unlimited"));
    k.add(new Key("api_gateway.routes.<name>.middlewares", "list of middleware names", "`[]`",
        "middleware instances run on this route's requests, in order"));
    k.add(new Key("api_gateway.routes.<name>.mirror", SECTION, "none: no copies",
        "send a copy of requests to another upstream, fire-and-forget: its answer is discarded, its slowness or"
            + " failure never reaches the client; bodies over 1 MiB are not copied (`skipped`)"));
    k.add(new Key("api_gateway.routes.<name>.mirror.upstream", "upstream name", "required",
        "the group the copies go to (its own strategy and health apply)"));
    k.add(new Key("api_gateway.routes.<name>.mirror.percent", integer(0, 100), "`100`",
        "share of the route's forwarded requests copied; exact over any 100 consecutive requests"));
    k.add(new Key(GATEWAY_MIDDLEWARES, NAMES, "`{}`",
        "middleware instances, each with the keys of `middlewares.<name>` below"));

    k.add(new Key("middlewares", NAMES, "`{}`", "middleware instances usable by both modes"));
    k.add(new Key("middlewares.<name>", SECTION, "-", "one instance; routes and `load_balancer` name it"));
    k.add(new Key("middlewares.<name>.type", words(MiddlewareConfig.TYPES), "none: the instance's name, which must"
        + " then be a type", "what the instance does; the keys below belong to the type named before them"));
    k.add(new Key("middlewares.<name>.requests_per_minute", integer(1, 100_000_000), "required",
        "rate_limiting: refill rate of each client's token bucket; 429 with `Retry-After` when empty"));
    k.add(new Key("middlewares.<name>.burst_size", integer(1, 100_000_000), "none: `requests_per_minute`",
        "rate_limiting: bucket capacity (buckets start full)"));
    k.add(new Key("middlewares.<name>.key", "`client_ip` | `header:NAME` | `jwt_sub`", "`client_ip`",
        "rate_limiting: what identifies a client: its address (IPv6 by /64), a header's value (chosen by the"
            + " client), or the `sub` verified by an authentication middleware listed before it"));
    k.add(new Key("middlewares.<name>.key_header", "header name", "none: the client address",
        "rate_limiting: the seed's spelling of `key: header:NAME` (a value the client chooses)"));
    k.add(new Key("middlewares.<name>.scope", words(Arrays.stream(RateLimitScope.values())
        .map(RateLimitScope::yamlName).toList()), "`local`",
        "rate_limiting: `cluster` shares the budget among the live cluster nodes, each enforcing its part"));
    k.add(new Key("middlewares.<name>.jwt_secret", "string", "required unless `public_key_path`",
        "authentication: HS256 secret of the Bearer JWTs; 32 bytes or more"));
    k.add(new Key("middlewares.<name>.public_key_path", "file", "required unless `jwt_secret`",
        "authentication: PEM public key, RSA for RS256 or EC for ES256/384/512"));
    k.add(new Key("middlewares.<name>.excluded_paths", "list of paths", "`[]`",
        "authentication: paths that need no token; exact, or a prefix when ending in `/*`"));
    k.add(new Key("middlewares.<name>.audience", "string", "none: `aud` not checked",
        "authentication: the token's `aud` (a string or an array) must contain it; a token without `aud` gets 401"));
    k.add(new Key("middlewares.<name>.issuer", "string", "none: `iss` not checked",
        "authentication: the token's `iss` must equal it; a token without `iss` gets 401"));
    k.add(new Key("middlewares.<name>.require_exp", "boolean", "`true`",
        "authentication: a token without `exp` gets 401"));
    k.add(new Key("middlewares.<name>.allowed_origins", "list of origins", "`[\"*\"]`",
        "cors: `*` or exact origins such as `https://app.example.com`; with credentials, neither `*` nor `null`"));
    k.add(new Key("middlewares.<name>.allowed_methods", "list of methods", "`[GET, HEAD, POST, PUT, PATCH, DELETE]`",
        "cors: methods a preflight may ask for"));
    k.add(new Key("middlewares.<name>.allowed_headers", "list of header names", "`[\"*\"]`",
        "cors: headers a preflight may ask for; `*` allows any"));
    k.add(new Key("middlewares.<name>.allow_credentials", "boolean", "`false`",
        "cors: send `Access-Control-Allow-Credentials: true`"));
    k.add(new Key("middlewares.<name>.max_age_secs", integer(0, MAX_SECS * 7), "none: no `Access-Control-Max-Age`",
        "cors: how long a browser may cache a preflight answer"));
    k.add(new Key("middlewares.<name>.expose_headers", "list of header names", "`[]`",
        "cors: response headers a page may read"));
    k.add(new Key("middlewares.<name>.allow", "list of CIDR", "`[]`: every address",
        "ip_filter: when set, only client addresses in these blocks pass; others get 403 `ip_denied`"));
    k.add(new Key("middlewares.<name>.deny", "list of CIDR", "`[]`",
        "ip_filter: client addresses in these blocks get 403 `ip_denied`, whatever `allow` says"));
    k.add(new Key("middlewares.<name>.trusted_proxies", "list of CIDR", "`[]`: the TCP peer is the client",
        "ip_filter: peers whose `X-Forwarded-For` is believed: its rightmost entry outside these blocks is the"
            + " client (the peer must also be in `server.trusted_proxies`, else the header is gone)"));
    k.add(new Key("middlewares.<name>.min_bytes", integer(0, Integer.MAX_VALUE),
        code(MiddlewareConfig.Compression.DEFAULT_MIN_BYTES),
        "compression: responses with a smaller `Content-Length` are sent as they are; chunked ones are compressed"));
    k.add(new Key("middlewares.<name>.types", "list of media types",
        "`[text/*, application/json, application/javascript, image/svg+xml]`",
        "compression: `Content-Type`s compressed; `type/*` takes a whole family"));

    k.add(new Key("control_api", SECTION, "optional", "the control API's own listener"));
    k.add(new Key("control_api.enabled", "boolean", code(ControlApiConfig.defaults().enabled()),
        "whether the control API listens at all"));
    k.add(new Key("control_api.bind_address", "host:port", code(ControlApiConfig.DEFAULT_BIND),
        "its listener; loopback by default, so other hosts cannot reach it unless you say so"));
    k.add(new Key("control_api.api_key", "string", "none: no key required (then loopback only)",
        "every endpoint then requires `Authorization: Bearer KEY` or `X-API-Key: KEY`; 32 bytes or more;"
            + " without it `bind_address` must be a loopback address"));
    k.add(new Key("control_api.allowed_origins", "list of origins", "`[]`",
        "browser origins allowed besides the listener's own; another `Origin` gets 403"));
    k.add(new Key("control_api.allowed_hosts", "list of host names", "`[]`",
        "`Host` values allowed besides the bind address and `localhost`, `127.0.0.1`, `[::1]`; another gets 421"));

    k.add(new Key("tracing", SECTION, "optional", "OpenTelemetry traces exported by OTLP over HTTP (see Tracing)"));
    k.add(new Key("tracing.enabled", "boolean", code(TracingConfig.defaults().enabled()),
        "a server span per request and a client span per upstream attempt; W3C `traceparent` continued"));
    k.add(new Key("tracing.otlp_endpoint", "http(s) URL with port and path", code(TracingConfig.DEFAULT_ENDPOINT),
        "the collector's OTLP/HTTP traces URL, used as written (protobuf, batched)"));
    k.add(new Key("tracing.sample_ratio", "number 0-1", code(TracingConfig.DEFAULT_SAMPLE_RATIO),
        "share of new traces recorded; a request with `traceparent` follows its sampled flag"));
    k.add(new Key("tracing.service_name", "string", code(TracingConfig.DEFAULT_SERVICE),
        "the spans' `service.name`"));

    k.add(new Key("cluster", SECTION, "optional", "cluster mode: nodes that share control-API changes and"
        + " cluster-scoped rate limits; every key here is the node's own"));
    k.add(new Key("cluster.enabled", "boolean", code(ClusterConfig.defaults().enabled()),
        "join the cluster (`start --cluster` does the same)"));
    k.add(new Key("cluster.name", "1-64 of `A-Za-z0-9._-`", code(ClusterConfig.DEFAULT_NAME),
        "nodes with different names never join each other, even on one host"));
    k.add(new Key("cluster.host", "IP address or host name", code(ClusterConfig.DEFAULT_HOST),
        "the interface cluster traffic binds to and other nodes reach this one at"));
    k.add(new Key("cluster.port", integer(1, 65535), code(ClusterConfig.DEFAULT_PORT),
        "the Hazelcast member port on `cluster.host`"));
    k.add(new Key("cluster.members", "list of host:port", "`[]`: wait to be contacted",
        "other nodes' `cluster.host:cluster.port` to join through (TCP/IP, no multicast)"));
    return List.copyOf(k);
  }
}
