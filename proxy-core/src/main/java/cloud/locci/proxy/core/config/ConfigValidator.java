package cloud.locci.proxy.core.config;

import cloud.locci.proxy.core.config.MiddlewareConfig.Authentication;
import cloud.locci.proxy.core.config.MiddlewareConfig.Cors;
import cloud.locci.proxy.core.config.ProxyConfig.LoadBalancerConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import com.google.re2j.PatternSyntaxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks what the binder cannot see key by key: references between sections, the section the mode
 * needs, regexes, files on disk, duplicate names and addresses. The same checks run on the file at
 * start and reload and on every change made through the control API.
 */
public final class ConfigValidator {

  private static final java.util.regex.Pattern HOST =
      java.util.regex.Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?");

  // scheme://host[:port]: what a browser sends in Origin (no path, no trailing slash).
  private static final java.util.regex.Pattern ORIGIN =
      java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^/?#\\s]+");

  private final Locations at;
  private final List<ConfigError> errors = new ArrayList<>();

  private ConfigValidator(Locations at) {
    this.at = at;
  }

  /** Every error in {@code config}, each located through {@code at}; empty when it is valid. */
  public static List<ConfigError> validate(ProxyConfig config, Locations at) {
    return validate(config, at, true);
  }

  /**
   * Like {@link #validate(ProxyConfig, Locations)}; without {@code checkModeSection} when the mode is a
   * stand-in for a missing or invalid {@code mode} (already reported), so the other checks still run.
   */
  static List<ConfigError> validate(ProxyConfig config, Locations at, boolean checkModeSection) {
    ConfigValidator v = new ConfigValidator(at);
    if (checkModeSection) {
      v.modeSection(config);
    }
    v.check(config);
    return List.copyOf(v.errors);
  }

  private void check(ProxyConfig c) {
    c.server().tls().ifPresent(tls -> {
      listenerTls(tls);
      tls.acme().ifPresent(acme -> acme(c.server(), acme));
    });
    c.server().httpBindAddress().ifPresent(http -> {
      if (sameListener(http, c.server().bindAddress())) {
        error("server.http_bind_address", "uses the same port as server.bind_address (" + c.server().bindAddress() + ")");
      }
      if (c.controlApi().enabled() && sameListener(http, c.controlApi().bindAddress())) {
        error("server.http_bind_address", "uses the same port as control_api.bind_address ("
            + c.controlApi().bindAddress() + ")");
      }
    });
    if (c.server().httpsRedirect()) {
      if (c.server().httpBindAddress().isEmpty()) {
        error("server.https_redirect", "needs server.http_bind_address: the plain listener is what redirects");
      }
      if (c.server().tls().isEmpty()) {
        error("server.https_redirect", "needs server.tls: without it there is no https to redirect to");
      }
    }
    LogLevelSpec.parse(c.logging().level()).problems()
        .forEach(p -> error("logging.level", p));
    controlApi(c);
    c.upstreams().forEach((name, u) -> upstream("upstreams." + name, u));
    Map<String, MiddlewareConfig> middlewares = middlewares(c);
    c.loadBalancer().ifPresent(lb -> loadBalancer(lb, c.upstreams(), middlewares));
    c.apiGateway().ifPresent(g -> g.routes().forEach((name, r) ->
        route("api_gateway.routes." + name, r, c.upstreams(), middlewares)));
  }

  private void acme(ServerConfig s, AcmeConfig acme) {
    acme.caPath().ifPresent(p -> file("server.tls.acme.ca_path", p));
    if (acme.challenge() == AcmeConfig.Challenge.HTTP_01 && s.httpBindAddress().isEmpty()) {
      error("server.tls.acme", "the http-01 challenge needs server.http_bind_address (the CA connects to port 80"
          + " of each domain); set it, or use challenge: tls-alpn-01");
    }
    // The challenge certificate is picked after ALPN, which this listener only sees in TLS 1.3 handshakes.
    if (acme.challenge() == AcmeConfig.Challenge.TLS_ALPN_01
        && !s.tls().map(t -> t.protocols().contains("TLSv1.3")).orElse(true)) {
      error("server.tls.acme.challenge", "tls-alpn-01 needs TLSv1.3 in server.tls.protocols (it is answered in TLS 1.3"
          + " handshakes only); add it, or use challenge: http-01");
    }
    Path storage = Path.of(acme.storagePath());
    if (Files.exists(storage) && !Files.isDirectory(storage)) {
      error("server.tls.acme.storage_path", "\"" + acme.storagePath() + "\" exists and is not a directory");
    }
  }

  private void listenerTls(ServerConfig.ListenerTls tls) {
    tls.certPath().ifPresent(p -> file("server.tls.cert_path", p));
    tls.keyPath().ifPresent(p -> file("server.tls.key_path", p));
    if (tls.protocols().isEmpty()) {
      error("server.tls.protocols", "empty list; expected TLSv1.3, TLSv1.2 or both");
    }
    for (int i = 0; i < tls.protocols().size(); i++) {
      String p = tls.protocols().get(i);
      if (!ServerConfig.ListenerTls.KNOWN_PROTOCOLS.contains(p)) {
        error("server.tls.protocols[" + i + "]", "unknown or unsafe protocol \"" + p + "\"; expected TLSv1.3 or"
            + " TLSv1.2 (SSLv3, TLSv1 and TLSv1.1 are not offered)");
      }
    }
    if (tls.ciphers().isEmpty()) {
      error("server.tls.ciphers", "empty list; leave the key out for the default forward-secret AEAD suites");
    }
    Set<String> supported = TlsSupport.cipherSuites();
    for (int i = 0; i < tls.ciphers().size(); i++) {
      String suite = tls.ciphers().get(i);
      if (!supported.contains(suite)) {
        error("server.tls.ciphers[" + i + "]", "cipher suite \"" + suite + "\" is not supported by this JVM"
            + " (names are the IANA/JSSE ones, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
      }
    }
    boolean any13 = tls.ciphers().stream().anyMatch(ServerConfig.ListenerTls::isTls13Suite);
    boolean any12 = tls.ciphers().stream().anyMatch(x -> !ServerConfig.ListenerTls.isTls13Suite(x));
    if (!tls.ciphers().isEmpty() && tls.protocols().contains("TLSv1.3") && !any13) {
      error("server.tls.ciphers", "TLSv1.3 is enabled but no TLS 1.3 suite (TLS_AES_128_GCM_SHA256, ...) is listed");
    }
    if (!tls.ciphers().isEmpty() && tls.protocols().contains("TLSv1.2") && !any12) {
      error("server.tls.ciphers", "TLSv1.2 is enabled but no TLS 1.2 suite (TLS_ECDHE_..._GCM_...) is listed");
    }
  }

  private void controlApi(ProxyConfig c) {
    ControlApiConfig api = c.controlApi();
    api.apiKey().flatMap(Secrets::problem).ifPresent(p -> error("control_api.api_key", p));
    for (int i = 0; i < api.allowedOrigins().size(); i++) {
      String o = api.allowedOrigins().get(i);
      if (!ORIGIN.matcher(o).matches()) {
        error("control_api.allowed_origins[" + i + "]", "\"" + o + "\" is not an origin: write scheme://host[:port]"
            + " with no path and no trailing slash, e.g. \"https://admin.example.com\"");
      }
    }
    for (int i = 0; i < api.allowedHosts().size(); i++) {
      String h = api.allowedHosts().get(i);
      if (h.startsWith("*") || !HOST.matcher(h).matches() && !isIpLiteral(h)) {
        error("control_api.allowed_hosts[" + i + "]", "\"" + h + "\" is not a host name or IP address (no port,"
            + " no wildcard)");
      }
    }
    if (!api.enabled()) {
      return;
    }
    if (sameListener(api.bindAddress(), c.server().bindAddress())) {
      error("control_api.bind_address", "uses the same port as server.bind_address (" + c.server().bindAddress() + ")");
    }
    if (api.apiKey().isEmpty() && !isLoopback(api.bindAddress().host())) {
      error("control_api.bind_address", "without control_api.api_key the control API may only listen on loopback"
          + " (127.0.0.1, ::1 or localhost), since anyone who reaches it can change the proxy; set an api_key"
          + " (`openssl rand -hex 32`) to listen on " + api.bindAddress().host());
    }
  }

  /** Whether {@code host} is a loopback name or literal; never asks DNS. */
  static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!isIpLiteral(h)) {
      return false;
    }
    try {
      return java.net.InetAddress.getByName(h).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** Whether {@code host} is an IPv4 or IPv6 literal (so resolving it asks no DNS server). */
  static boolean isIpLiteral(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.matches("\\d{1,3}(\\.\\d{1,3}){3}") || h.contains(":") && h.matches("[0-9A-Fa-f:.]+");
  }

  // Located at the mode key (the section itself has no line), or at the document when --mode set it.
  private void modeSection(ProxyConfig c) {
    if (c.mode() == Mode.LOAD_BALANCER && c.loadBalancer().isEmpty()) {
      errors.add(new ConfigError(at.source(), at.lineOf("mode"), "load_balancer", "missing required section: mode is"
          + " load_balancer, so load_balancer.upstream must name the upstream group to balance across"));
    }
    if (c.mode() == Mode.API_GATEWAY && c.apiGateway().isEmpty()) {
      errors.add(new ConfigError(at.source(), at.lineOf("mode"), "api_gateway",
          "missing required section: mode is api_gateway, so api_gateway.routes must list routes"));
    }
  }

  private void upstream(String path, UpstreamConfig u) {
    if (u.servers().isEmpty()) {
      error(path + ".servers", "empty server list; an upstream group needs at least one \"host:port\"");
    }
    Set<ServerAddress> seen = new HashSet<>();
    List<ServerEntry> servers = u.servers();
    for (int i = 0; i < servers.size(); i++) {
      if (servers.get(i).address().port() == 0) {
        error(path + ".servers[" + i + "]", "port 0 cannot be connected to; give the server's real port");
      }
      if (!seen.add(servers.get(i).address())) {
        error(path + ".servers[" + i + "]", "duplicate server " + servers.get(i).address());
      }
    }
    u.caPath().ifPresent(p -> file(path + ".ca_path", p));
    if (!u.tls()) {
      if (u.sni().isPresent()) {
        error(path + ".sni", "sni is set but tls is false; set tls: true to connect over TLS");
      }
      if (u.caPath().isPresent()) {
        error(path + ".ca_path", "ca_path is set but tls is false; set tls: true to connect over TLS");
      }
    }
  }

  private Map<String, MiddlewareConfig> middlewares(ProxyConfig c) {
    c.apiGateway().ifPresent(g -> g.middlewares().keySet().stream()
        .filter(c.middlewares()::containsKey)
        .forEach(n -> error("middlewares." + n, "duplicate middleware name \"" + n
            + "\": also declared under api_gateway.middlewares")));
    Map<String, MiddlewareConfig> all = c.allMiddlewares();
    all.values().forEach(m -> {
      String path = (c.middlewares().containsKey(m.name()) ? "middlewares." : "api_gateway.middlewares.") + m.name();
      if (m instanceof Authentication a) {
        a.publicKeyPath().ifPresent(p -> publicKey(path + ".public_key_path", p));
        a.jwtSecret().flatMap(Secrets::problem).ifPresent(p -> error(path + ".jwt_secret", p));
        if (a.jwtSecret().isPresent() && a.publicKeyPath().isPresent()) {
          error(path, "set either jwt_secret (HS256) or public_key_path (RS256/ES256), not both");
        }
        for (int i = 0; i < a.excludedPaths().size(); i++) {
          if (!a.excludedPaths().get(i).startsWith("/")) {
            error(path + ".excluded_paths[" + i + "]", "must start with \"/\"");
          }
        }
      }
      if (m instanceof MiddlewareConfig.IpFilter f && f.allow().isEmpty() && f.deny().isEmpty()) {
        error(path, "ip_filter with neither allow nor deny admits everyone; list the blocks to allow or deny");
      }
      if (m instanceof Cors cors) {
        for (int i = 0; i < cors.allowedOrigins().size(); i++) {
          String o = cors.allowedOrigins().get(i);
          if (!o.equals("*") && !o.equals("null") && !ORIGIN.matcher(o).matches()) {
            error(path + ".allowed_origins[" + i + "]", "\"" + o + "\" is not an origin: write \"*\" or"
                + " scheme://host[:port] with no path and no trailing slash, e.g. \"https://app.example.com\"");
          }
          if (cors.allowCredentials() && o.equals("*")) {
            error(path + ".allowed_origins[" + i + "]", "\"*\" with allow_credentials: true would let every web"
                + " site read answers made with its visitors' cookies; list the origins, or turn credentials off");
          }
          if (cors.allowCredentials() && o.equalsIgnoreCase("null")) {
            error(path + ".allowed_origins[" + i + "]", "\"null\" with allow_credentials: true: sandboxed frames"
                + " and local files of any site send Origin: null; list real origins");
          }
        }
      }
    });
    return all;
  }

  private void loadBalancer(LoadBalancerConfig lb, Map<String, UpstreamConfig> upstreams,
      Map<String, MiddlewareConfig> middlewares) {
    reference("load_balancer.upstream", "upstream", lb.upstream(), upstreams.keySet());
    names("load_balancer.middlewares", lb.middlewares(), middlewares);
  }

  private void route(String path, RouteConfig r, Map<String, UpstreamConfig> upstreams,
      Map<String, MiddlewareConfig> middlewares) {
    if (r.policies().split().isEmpty()) {
      reference(path + ".upstream", "upstream", r.upstream(), upstreams.keySet());
    }
    names(path + ".middlewares", r.middlewares(), middlewares);
    r.mirror().ifPresent(mirror -> reference(path + ".mirror.upstream", "upstream", mirror.upstream(), upstreams.keySet()));
    routePolicies(path, r.policies(), upstreams);
    Optional<String> tooComplex = PatternLimits.problem(r.pathPattern());
    if (tooComplex.isPresent()) {
      // Never handed to re2j: compiling it could take all the memory there is.
      error(path + ".path_pattern", tooComplex.get());
    } else {
      try {
        CompiledPatterns.compile(r.pathPattern());
      } catch (PatternSyntaxException e) {
        error(path + ".path_pattern", "invalid regular expression \"" + r.pathPattern() + "\": " + e.getDescription()
            + " (patterns use Go/RE2 syntax: no backreferences or lookaround)");
      }
    }
    r.host().ifPresent(h -> {
      if (!HOST.matcher(h).matches()) {
        error(path + ".host", "\"" + h + "\" is not a host name or *.domain pattern");
      }
    });
  }

  /** SPEC §11: split references, matcher names and values, the rewrite, header rules. */
  private void routePolicies(String path, RoutePolicies p, Map<String, UpstreamConfig> upstreams) {
    for (int i = 0; i < p.split().size(); i++) {
      reference(path + ".split[" + i + "].upstream", "upstream", p.split().get(i).upstream(), upstreams.keySet());
    }
    p.matchHeaders().forEach((name, value) -> {
      String at = path + ".match_headers." + name;
      if (!cloud.locci.proxy.core.policy.HeaderEdits.isToken(name)) {
        error(at, "\"" + name + "\" is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)");
      }
      cloud.locci.proxy.core.policy.HeaderEdits.valueProblem(value).ifPresent(msg -> error(at, msg));
    });
    p.matchQuery().forEach((name, value) -> {
      String at = path + ".match_query." + name;
      if (name.isEmpty() || name.length() > 256) {
        error(at, "a query parameter name has 1-256 characters");
      }
      cloud.locci.proxy.core.policy.HeaderEdits.valueProblem(value).ifPresent(msg -> error(at, msg));
    });
    p.rewrite().ifPresent(rw -> cloud.locci.proxy.core.policy.PathRewrite.problems(path + ".rewrite", rw)
        .forEach(problem -> error(problem.path(), problem.message())));
    cloud.locci.proxy.core.policy.HeaderEdits.problems(path + ".request_headers", p.requestHeaders(), false)
        .forEach(problem -> error(problem.path(), problem.message()));
    cloud.locci.proxy.core.policy.HeaderEdits.problems(path + ".response_headers", p.responseHeaders(), true)
        .forEach(problem -> error(problem.path(), problem.message()));
  }

  /** A middleware chain: every name known, and a {@code key: jwt_sub} limiter only after an authentication. */
  private void names(String path, List<String> names, Map<String, MiddlewareConfig> known) {
    boolean authenticated = false;
    for (int i = 0; i < names.size(); i++) {
      reference(path + "[" + i + "]", "middleware", names.get(i), known.keySet());
      MiddlewareConfig m = known.get(names.get(i));
      if (m instanceof Authentication) {
        authenticated = true;
      }
      if (m instanceof MiddlewareConfig.RateLimiting rl && rl.key() instanceof MiddlewareConfig.RateKey.JwtSub
          && !authenticated) {
        error(path + "[" + i + "]", "\"" + rl.name() + "\" counts requests by jwt_sub, so an authentication"
            + " middleware must come before it in this list");
      }
    }
  }

  private void reference(String path, String kind, String name, Collection<String> known) {
    if (!known.contains(name)) {
      String hint = DidYouMean.closest(name, known).map(s -> "; did you mean \"" + s + "\"?").orElse("");
      error(path, "unknown " + kind + " \"" + name + "\"" + hint + "; known: "
          + (known.isEmpty() ? "(none)" : String.join(", ", known)));
    }
  }

  /** Reports a missing or unreadable file; true when it can be read. */
  private boolean file(String path, String file) {
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) {
      error(path, "file \"" + file + "\" does not exist (relative paths start at the working directory "
          + Path.of("").toAbsolutePath() + ")");
      return false;
    } else if (!Files.isReadable(p)) {
      error(path, "file \"" + file + "\" is not readable");
      return false;
    }
    return true;
  }

  private void publicKey(String path, String file) {
    if (!file(path, file)) {
      return;
    }
    try {
      JwtPublicKey.read(Path.of(file));
    } catch (IOException e) {
      error(path, "cannot read \"" + file + "\": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      error(path, "\"" + file + "\" is not a usable JWT public key: " + e.getMessage());
    }
  }

  private static boolean sameListener(ServerAddress a, ServerAddress b) {
    // Two listeners on port 0 each get their own ephemeral port.
    if (a.port() != b.port() || a.port() == 0) {
      return false;
    }
    return a.host().equals(b.host()) || isWildcard(a.host()) || isWildcard(b.host());
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("*");
  }

  private void error(String path, String message) {
    errors.add(at.error(path, message));
  }
}
