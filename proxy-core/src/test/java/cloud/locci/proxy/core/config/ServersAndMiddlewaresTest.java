package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertHasError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.assertOnlyError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.gateway;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static cloud.locci.proxy.core.config.ConfigTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import cloud.locci.proxy.core.config.MiddlewareConfig.Authentication;
import cloud.locci.proxy.core.config.MiddlewareConfig.Cors;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateKey;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateLimiting;
import cloud.locci.proxy.core.config.ProxyConfig.LoadBalancerConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.testing.TestTokens;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Servers as {@code "host:port"} or {@code {address, weight}}; middleware instances and their types. */
class ServersAndMiddlewaresTest {

  @Test
  void serversAsStringsAndWeightedMappings() throws Exception {
    ProxyConfig c = parse("""
        mode: load_balancer
        upstreams:
          web:
            strategy: weighted_round_robin
            servers:
              - "10.0.0.1:3000"
              - address: "10.0.0.2:3000"
                weight: 5
              - {address: "api.internal:8080"}
              - {address: "[::1]:9000", weight: 1000}
        load_balancer:
          upstream: web
        """);

    assertThat(c.upstreams().get("web").servers()).containsExactly(
        new ServerEntry(new ServerAddress("10.0.0.1", 3000), 1),
        new ServerEntry(new ServerAddress("10.0.0.2", 3000), 5),
        new ServerEntry(new ServerAddress("api.internal", 8080), 1),
        new ServerEntry(new ServerAddress("::1", 9000), 1000));
  }

  @Test
  void weightOutOfRange() {
    String yaml = """
        mode: load_balancer
        upstreams:
          web:
            servers:
              - {address: "10.0.0.1:3000", weight: 0}
        load_balancer:
          upstream: web
        """;

    assertOnlyError(failure(yaml), lineOf(yaml, "weight"), "upstreams.web.servers[0].weight",
        "must be between 1 and 1000, got 0");
  }

  @Test
  void weightedServerWithoutAddress() {
    String yaml = """
        mode: load_balancer
        upstreams:
          web:
            servers:
              - "10.0.0.2:3000"
              - weight: 3
        load_balancer:
          upstream: web
        """;

    assertOnlyError(failure(yaml), lineOf(yaml, "weight"), "upstreams.web.servers[1].address",
        "missing required key");
  }

  @Test
  void misspeltKeyInAWeightedServer() {
    String yaml = """
        mode: load_balancer
        upstreams:
          web:
            servers:
              - address: "10.0.0.1:3000"
                wieght: 3
        load_balancer:
          upstream: web
        """;

    assertOnlyError(failure(yaml), lineOf(yaml, "wieght"), "upstreams.web.servers[0].wieght",
        "unknown key; did you mean \"weight\"?");
  }

  @Test
  void serverThatIsAList() {
    String yaml = """
        mode: load_balancer
        upstreams:
          web:
            servers:
              - ["10.0.0.1", 3000]
        load_balancer:
          upstream: web
        """;

    assertOnlyError(failure(yaml), lineOf(yaml, "- ["), "upstreams.web.servers[0]",
        "expected \"host:port\" or {address: \"host:port\", weight: N}, got a list");
  }

  @Test
  void customNamedInstancesWithType() throws Exception {
    ProxyConfig c = parse(gateway("""
        api_gateway:
          routes:
            public:
              path_pattern: "^/public"
              upstream: web_service
              middlewares: [open_cors, loose_limit]
            users:
              path_pattern: "^/api/users"
              upstream: users_service
              middlewares: [strict_limit, jwt, open_cors]
          middlewares:
            strict_limit:
              type: rate_limiting
              requests_per_minute: 60
              burst_size: 10
            loose_limit:
              type: rate_limiting
              requests_per_minute: 6000
            jwt:
              type: authentication
              jwt_secret: 0123456789abcdef0123456789abcdef-test
              excluded_paths: ["/api/users/login", "/auth/open/*"]
        middlewares:
          open_cors:
            type: cors
            allowed_origins: ["https://app.example.com"]
            allow_credentials: true
            max_age_secs: 600
            expose_headers: [X-Request-Id]
        """));

    assertThat(c.apiGateway().get().middlewares().keySet()).containsExactly("strict_limit", "loose_limit", "jwt");
    assertThat(c.middlewares().keySet()).containsExactly("open_cors");
    assertThat(c.allMiddlewares().keySet()).containsExactly("strict_limit", "loose_limit", "jwt", "open_cors");

    assertThat(c.allMiddlewares().get("strict_limit"))
        .isEqualTo(new RateLimiting("strict_limit", 60, 10, new RateKey.ClientIp()));
    assertThat(c.allMiddlewares().get("loose_limit"))
        .as("burst_size defaults to requests_per_minute")
        .isEqualTo(new RateLimiting("loose_limit", 6000, 6000, new RateKey.ClientIp()));
    assertThat(c.allMiddlewares().get("jwt")).isEqualTo(new Authentication("jwt", Optional.of("0123456789abcdef0123456789abcdef-test"),
        Optional.empty(), List.of("/api/users/login", "/auth/open/*"), Optional.empty(), Optional.empty(), true));
    assertThat(c.allMiddlewares().get("open_cors")).isEqualTo(new Cors("open_cors",
        List.of("https://app.example.com"), List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"), List.of("*"),
        true, Optional.of(600), List.of("X-Request-Id")));
    assertThat(c.allMiddlewares().values()).extracting(MiddlewareConfig::name, MiddlewareConfig::type)
        .containsExactly(
            tuple("strict_limit", "rate_limiting"),
            tuple("loose_limit", "rate_limiting"),
            tuple("jwt", "authentication"),
            tuple("open_cors", "cors"));
  }

  @Test
  void loadBalancerMiddlewaresFromTheTopLevelMap() throws Exception {
    ProxyConfig c = parse("""
        mode: load_balancer
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
        load_balancer:
          upstream: web
          middlewares: [limit, cors]
        middlewares:
          limit:
            type: rate_limiting
            requests_per_minute: 120
            key_header: X-API-Key
          cors: {}
        """);

    assertThat(c.loadBalancer()).contains(new LoadBalancerConfig("web", List.of("limit", "cors")));
    assertThat(c.middlewares().get("limit")).isEqualTo(new RateLimiting("limit", 120, 120, new RateKey.Header("X-API-Key")));
    assertThat(c.middlewares().get("cors")).isInstanceOf(Cors.class);
  }

  @Test
  void customNameWithoutTypeIsAnError() {
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            strict_limit:
              requests_per_minute: 60
        """);

    assertOnlyError(failure(yaml), lineOf(yaml, "strict_limit"), "api_gateway.middlewares.strict_limit.type",
        "missing required key (rate_limiting | authentication | cors | ip_filter | compression; only instances"
            + " named after their type may omit it)");
  }

  @Test
  void customNameWithoutTypeAtTopLevel() {
    String yaml = """
        mode: load_balancer
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
        load_balancer:
          upstream: web
        middlewares:
          my_cors:
            allowed_origins: ["*"]
        """;

    assertOnlyError(failure(yaml), lineOf(yaml, "my_cors"), "middlewares.my_cors.type", "missing required key");
  }

  @Test
  void unknownType() {
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            firewall:
              type: waf
              level: 6
        """);

    assertOnlyError(failure(yaml), lineOf(yaml, "type: waf"), "api_gateway.middlewares.firewall.type",
        "unknown middleware type \"waf\"; expected one of rate_limiting, authentication, cors, ip_filter, compression");
  }

  @Test
  void unknownKeyOfATypedInstance() {
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            limit:
              type: rate_limiting
              requests_per_minute: 60
              burst_sise: 5
        """);

    assertOnlyError(failure(yaml), lineOf(yaml, "burst_sise"), "api_gateway.middlewares.limit.burst_sise",
        "did you mean \"burst_size\"?");
  }

  @Test
  void middlewareThatIsNotAMapping() {
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            cors: enabled
        """);

    assertOnlyError(failure(yaml), lineOf(yaml, "cors: enabled"), "api_gateway.middlewares.cors",
        "expected a mapping of keys, got string \"enabled\"");
  }

  @Test
  void authenticationNeedsASecretOrAKey() {
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            authentication:
              excluded_paths: [/health]
        """);

    assertOnlyError(failure(yaml), lineOf(yaml, "authentication:"), "api_gateway.middlewares.authentication.jwt_secret",
        "missing required key (or public_key_path)");
  }

  /** A real EC P-256 public key (the validator parses it). */
  private static Path publicKey(Path dir) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    return Files.writeString(dir.resolve("jwt.pub"),
        TestTokens.pem("PUBLIC KEY", gen.generateKeyPair().getPublic().getEncoded()));
  }

  @Test
  void authenticationWithBothSecretAndKey(@TempDir Path dir) throws Exception {
    Path pub = publicKey(dir);
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            authentication:
              jwt_secret: 0123456789abcdef0123456789abcdef-test
              public_key_path: "PUB"
        """).replace("PUB", pub.toString());

    assertOnlyError(failure(yaml), lineOf(yaml, "authentication:"), "api_gateway.middlewares.authentication",
        "set either jwt_secret (HS256) or public_key_path (RS256/ES256), not both");
  }

  @Test
  void authenticationWithAnExistingPublicKey(@TempDir Path dir) throws Exception {
    Path pub = publicKey(dir);
    ProxyConfig c = parse(gateway("""
        api_gateway:
          routes: {}
          middlewares:
            authentication:
              public_key_path: "PUB"
        """).replace("PUB", pub.toString()));

    assertThat(c.allMiddlewares().get("authentication"))
        .isEqualTo(new Authentication("authentication", Optional.empty(), Optional.of(pub.toString()), List.of(),
            Optional.empty(), Optional.empty(), true));
  }

  @Test
  void aPublicKeyFileThatIsNotAUsableKeyIsAConfigError(@TempDir Path dir) throws Exception {
    Path pub = Files.writeString(dir.resolve("jwt.pub"), "-----BEGIN PUBLIC KEY-----\n");
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            authentication:
              public_key_path: "PUB"
        """).replace("PUB", pub.toString());

    assertOnlyError(failure(yaml), lineOf(yaml, "public_key_path"),
        "api_gateway.middlewares.authentication.public_key_path",
        "is not a usable JWT public key: not a PEM file: no \"-----END PUBLIC KEY-----\" line");
  }

  @Test
  void corsOriginsMustBeOrigins() {
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            cors:
              allowed_origins: ["https://ok.example.com", "https://slash.example.com/", "example.com", "null"]
        """);

    ConfigException e = failure(yaml);
    assertThat(e.errors()).extracting(ConfigError::path).containsExactly(
        "api_gateway.middlewares.cors.allowed_origins[1]", "api_gateway.middlewares.cors.allowed_origins[2]");
    assertThat(e.errors().get(0).message()).contains("is not an origin");
  }

  @Test
  void excludedPathsMustBeAbsolute() {
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            authentication:
              jwt_secret: 0123456789abcdef0123456789abcdef-test
              excluded_paths:
                - /health
                - metrics
        """);

    assertOnlyError(failure(yaml), lineOf(yaml, "- metrics"),
        "api_gateway.middlewares.authentication.excluded_paths[1]", "must start with \"/\"");
  }

  @Test
  void corsDefaults() throws Exception {
    ProxyConfig c = parse(gateway("""
        api_gateway:
          routes: {}
          middlewares:
            cors:
        """));

    assertThat(c.allMiddlewares().get("cors")).isEqualTo(new Cors("cors", List.of("*"),
        List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"), List.of("*"), false, Optional.empty(), List.of()));
  }

  @Test
  void rateLimitingWithoutABodyNeedsItsRate() {
    String yaml = gateway("""
        api_gateway:
          routes: {}
          middlewares:
            rate_limiting:
        """);

    assertOnlyError(failure(yaml), lineOf(yaml, "rate_limiting:"),
        "api_gateway.middlewares.rate_limiting.requests_per_minute", "missing required key");
  }

  @Test
  void bareCorsIsUsableByARoute() throws Exception {
    ProxyConfig c = parse(gateway("""
        api_gateway:
          routes:
            users:
              path_pattern: "^/api"
              upstream: users_service
              middlewares: [cors]
          middlewares:
            cors:
        """));

    assertThat(c.allMiddlewares()).containsOnlyKeys("cors");
  }

  @Test
  void instanceNamedAfterATypeMayStillSayItsType() throws Exception {
    ProxyConfig c = parse(gateway("""
        api_gateway:
          routes: {}
          middlewares:
            rate_limiting:
              type: rate_limiting
              requests_per_minute: 10
        """));

    assertThat(c.allMiddlewares().get("rate_limiting")).isInstanceOf(RateLimiting.class);
  }

  @Test
  void routeMayUseMiddlewaresFromBothMaps() throws Exception {
    ProxyConfig c = parse(gateway("""
        api_gateway:
          routes:
            users:
              path_pattern: "^/api"
              upstream: users_service
              middlewares: [cors, limit]
          middlewares:
            cors: {}
        middlewares:
          limit:
            type: rate_limiting
            requests_per_minute: 5
        """));

    assertThat(c.routes().get(0).middlewares()).containsExactly("cors", "limit");
  }

  @Test
  void duplicateNameAcrossMapsIsReportedOnceAtTheTopLevelEntry() {
    String yaml = """
        mode: load_balancer
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
        load_balancer:
          upstream: web
        api_gateway:
          routes: {}
          middlewares:
            limit:
              type: rate_limiting
              requests_per_minute: 1
        middlewares:
          limit:
            type: rate_limiting
            requests_per_minute: 2
        """;

    ConfigException e = failure(yaml);

    assertThat(e.errors()).hasSize(1);
    assertHasError(e, 14, "middlewares.limit", "duplicate middleware name \"limit\"");
  }
}
