package cloud.locci.proxy.control;

import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.config.MiddlewareConfig.Authentication;
import cloud.locci.proxy.core.config.MiddlewareConfig.Cors;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateLimiting;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.config.RoutePolicies;
import cloud.locci.proxy.core.config.ServerConfig;
import cloud.locci.proxy.core.config.UpstreamConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The configuration as JSON with the YAML's snake_case keys and effective values (defaults filled in,
 * flags and environment applied), for {@code GET /api/v1/config} and the route and upstream answers.
 * Secrets ({@code jwt_secret}, {@code api_key}) are always {@value #MASK}.
 */
final class ConfigJson {

  static final String MASK = "***";

  private ConfigJson() {}

  /**
   * The whole configuration.
   *
   * @param instances the number of proxy instances actually running (the effective {@code server.workers})
   */
  static JsonObject config(ProxyConfig c, int instances) {
    JsonObject json = new JsonObject()
        .put("mode", c.mode().yamlName())
        .put("server", server(c.server(), instances))
        .put("logging", new JsonObject()
            .put("level", c.logging().level())
            .put("format", c.logging().format().name().toLowerCase(java.util.Locale.ROOT))
            .put("access_log", c.logging().accessLog()));
    JsonObject upstreams = new JsonObject();
    c.upstreams().forEach((name, u) -> upstreams.put(name, upstream(u)));
    json.put("upstreams", upstreams);
    c.loadBalancer().ifPresent(lb -> json.put("load_balancer", new JsonObject()
        .put("upstream", lb.upstream())
        .put("middlewares", new JsonArray(lb.middlewares()))));
    c.apiGateway().ifPresent(g -> {
      JsonObject routes = new JsonObject();
      g.routes().forEach((name, r) -> {
        JsonObject route = route(r);
        route.remove("name");
        routes.put(name, route);
      });
      json.put("api_gateway", new JsonObject().put("routes", routes).put("middlewares", middlewares(g.middlewares())));
    });
    if (!c.middlewares().isEmpty()) {
      json.put("middlewares", middlewares(c.middlewares()));
    }
    JsonObject control = new JsonObject()
        .put("enabled", c.controlApi().enabled())
        .put("bind_address", c.controlApi().bindAddress().toString());
    c.controlApi().apiKey().ifPresent(k -> control.put("api_key", MASK));
    control.put("allowed_origins", new JsonArray(c.controlApi().allowedOrigins()))
        .put("allowed_hosts", new JsonArray(c.controlApi().allowedHosts()));
    json.put("control_api", control);
    json.put("tracing", new JsonObject()
        .put("enabled", c.tracing().enabled())
        .put("otlp_endpoint", c.tracing().otlpEndpoint())
        .put("sample_ratio", c.tracing().sampleRatio())
        .put("service_name", c.tracing().serviceName()));
    json.put("cluster", new JsonObject()
        .put("enabled", c.cluster().enabled())
        .put("name", c.cluster().name())
        .put("host", c.cluster().host())
        .put("port", c.cluster().port())
        .put("members", new JsonArray(c.cluster().members().stream().map(Object::toString).toList())));
    return json;
  }

  private static JsonObject server(ServerConfig s, int instances) {
    JsonObject json = new JsonObject()
        .put("bind_address", s.bindAddress().toString())
        .put("workers", instances);
    s.tls().ifPresent(t -> json.put("tls", tls(t)));
    s.httpBindAddress().ifPresent(a -> json.put("http_bind_address", a.toString()));
    json.put("https_redirect", s.httpsRedirect());
    return json
        .put("max_header_size", s.maxHeaderSize())
        .put("max_request_line", s.maxRequestLine())
        .put("idle_timeout_secs", s.idleTimeoutSecs())
        .put("header_timeout_secs", s.headerTimeoutSecs())
        .put("shutdown_grace_secs", s.shutdownGraceSecs())
        .put("body_timeout_secs", s.bodyTimeoutSecs())
        .put("max_body_size", s.maxBodySize().orElse(0L))
        .put("allow_encoded_slashes", s.allowEncodedSlashes())
        .put("underscores_in_headers", s.underscoresInHeaders())
        .put("trusted_proxies", new JsonArray(s.trustedProxies().stream().map(Object::toString).toList()));
  }

  private static JsonObject tls(ServerConfig.ListenerTls t) {
    JsonObject json = new JsonObject();
    t.certPath().ifPresent(p -> json.put("cert_path", p));
    t.keyPath().ifPresent(p -> json.put("key_path", p));
    json.put("protocols", new JsonArray(t.protocols())).put("ciphers", new JsonArray(t.ciphers()));
    t.acme().ifPresent(a -> {
      JsonObject acme = new JsonObject();
      a.email().ifPresent(e -> acme.put("email", e));
      acme.put("domains", new JsonArray(a.domains()))
          .put("directory_url", a.directoryUrl())
          .put("storage_path", a.storagePath())
          .put("challenge", a.challenge().yamlName());
      a.caPath().ifPresent(p -> acme.put("ca_path", p));
      json.put("acme", acme.put("renew_before_days", a.renewBeforeDays()));
    });
    return json;
  }

  /** One upstream group as configured (servers with their weights). */
  static JsonObject upstream(UpstreamConfig u) {
    JsonArray servers = new JsonArray();
    u.servers().forEach(s -> servers.add(new JsonObject().put("address", s.address().toString()).put("weight", s.weight())));
    JsonObject json = new JsonObject()
        .put("servers", servers)
        .put("strategy", u.strategy().yamlName())
        .put("hash_on", u.hashOn().toString())
        .put("tls", u.tls());
    u.sni().ifPresent(v -> json.put("sni", v));
    json.put("tls_verify", u.tlsVerify());
    u.caPath().ifPresent(v -> json.put("ca_path", v));
    u.healthCheck().ifPresent(h -> {
      JsonObject check = new JsonObject()
          .put("interval_secs", h.intervalSecs())
          .put("timeout_secs", h.timeoutSecs());
      h.path().ifPresent(p -> check.put("path", p));
      json.put("health_check", check
          .put("healthy_threshold", h.healthyThreshold())
          .put("unhealthy_threshold", h.unhealthyThreshold()));
    });
    u.passive().ifPresent(p -> json.put("passive", new JsonObject()
        .put("max_fails", p.maxFails())
        .put("fail_timeout_secs", p.failTimeoutSecs())));
    return json
        .put("max_connections_per_server", u.maxConnectionsPerServer())
        .put("connect_timeout_secs", u.connectTimeoutSecs());
  }

  /** One route with its name, as {@code GET /api/v1/routes} lists it ({@code host} null when none). */
  static JsonObject route(RouteConfig r) {
    JsonObject json = new JsonObject()
        .put("name", r.name())
        .put("path_pattern", r.pathPattern())
        .put("methods", new JsonArray(r.methods()))
        .put("upstream", r.policies().split().isEmpty() ? r.upstream() : null)
        .put("strip_prefix", r.stripPrefix())
        .put("timeout_secs", r.timeoutSecs())
        .put("host", r.host().orElse(null))
        .put("retries", r.retries())
        .put("middlewares", new JsonArray(r.middlewares()));
    r.maxBodySize().ifPresent(v -> json.put("max_body_size", v));
    if (!r.policies().split().isEmpty()) {
      json.remove("upstream"); // split instead: the two are exclusive
    }
    policies(r.policies(), json);
    return json;
  }

  /** SPEC §11 keys of a route, each only when set (the same spelling as in YAML). */
  private static void policies(RoutePolicies p, JsonObject json) {
    if (!p.matchHeaders().isEmpty()) {
      json.put("match_headers", new JsonObject(new java.util.LinkedHashMap<>(p.matchHeaders())));
    }
    if (!p.matchQuery().isEmpty()) {
      json.put("match_query", new JsonObject(new java.util.LinkedHashMap<>(p.matchQuery())));
    }
    if (!p.split().isEmpty()) {
      JsonArray split = new JsonArray();
      p.split().forEach(e -> split.add(new JsonObject().put("upstream", e.upstream()).put("weight", e.weight())));
      json.put("split", split);
    }
    p.rewrite().ifPresent(rw -> json.put("rewrite", new JsonObject().put("pattern", rw.pattern())
        .put("replacement", rw.replacement())));
    if (!p.requestHeaders().isEmpty()) {
      json.put("request_headers", headerRules(p.requestHeaders()));
    }
    if (!p.responseHeaders().isEmpty()) {
      json.put("response_headers", headerRules(p.responseHeaders()));
    }
  }

  private static JsonObject headerRules(RoutePolicies.HeaderRuleSet rules) {
    JsonObject json = new JsonObject();
    if (!rules.set().isEmpty()) {
      json.put("set", new JsonObject(new java.util.LinkedHashMap<>(rules.set())));
    }
    if (!rules.add().isEmpty()) {
      json.put("add", new JsonObject(new java.util.LinkedHashMap<>(rules.add())));
    }
    if (!rules.remove().isEmpty()) {
      json.put("remove", new JsonArray(rules.remove()));
    }
    return json;
  }

  private static JsonObject middlewares(Map<String, MiddlewareConfig> all) {
    JsonObject json = new JsonObject();
    all.forEach((name, m) -> json.put(name, middleware(m)));
    return json;
  }

  private static JsonObject middleware(MiddlewareConfig m) {
    JsonObject json = new JsonObject().put("type", m.type());
    if (m instanceof RateLimiting r) {
      json.put("requests_per_minute", r.requestsPerMinute()).put("burst_size", r.burstSize());
      json.put("key", r.key().toString());
      json.put("scope", r.scope().yamlName());
    } else if (m instanceof Authentication a) {
      a.jwtSecret().ifPresent(s -> json.put("jwt_secret", MASK));
      a.publicKeyPath().ifPresent(p -> json.put("public_key_path", p));
      json.put("excluded_paths", new JsonArray(a.excludedPaths()));
      a.audience().ifPresent(v -> json.put("audience", v));
      a.issuer().ifPresent(v -> json.put("issuer", v));
      json.put("require_exp", a.requireExp());
    } else if (m instanceof Cors c) {
      json.put("allowed_origins", new JsonArray(c.allowedOrigins()))
          .put("allowed_methods", new JsonArray(c.allowedMethods()))
          .put("allowed_headers", new JsonArray(c.allowedHeaders()))
          .put("allow_credentials", c.allowCredentials());
      c.maxAgeSecs().ifPresent(v -> json.put("max_age_secs", v));
      json.put("expose_headers", new JsonArray(c.exposeHeaders()));
    }
    return json;
  }
}
