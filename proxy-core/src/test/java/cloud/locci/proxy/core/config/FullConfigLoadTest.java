package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.locci.proxy.core.config.LoggingConfig.LogFormat;
import cloud.locci.proxy.core.config.MiddlewareConfig.Authentication;
import cloud.locci.proxy.core.config.MiddlewareConfig.Cors;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateKey;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateLimiting;
import cloud.locci.proxy.core.config.ProxyConfig.LoadBalancerConfig;
import cloud.locci.proxy.core.config.ServerConfig.ListenerTls;
import cloud.locci.proxy.core.config.UpstreamConfig.HashOn;
import cloud.locci.proxy.core.config.UpstreamConfig.HealthCheckConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.PassiveConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configuration shaped like the seed guide's examples loads into the expected records. */
class FullConfigLoadTest {

  /** The seed guide's section 3 structure, with the section 5 upstream and section 7 routes and middlewares. */
  private static final String GUIDE_EXAMPLE = """
      mode: api_gateway          # required — load_balancer | api_gateway

      server:
        bind_address: "0.0.0.0:8484"
        workers: 4
        tls:
          cert_path: "CERT"
          key_path:  "KEY"

      logging:
        level: info              # trace | debug | info | warn | error

      upstreams:
        web_service:
          servers:
            - "10.0.0.1:3000"
            - "10.0.0.2:3000"
            - "10.0.0.3:3000"
          strategy: round_robin
          tls: false
          sni: ""                  # optional — SNI hostname for TLS upstreams
          health_check:
            interval_secs: 30
            timeout_secs: 5
            path: /health
        users_service:
          servers:
            - "api.internal:8080"
          strategy: round_robin
          tls: false

      load_balancer:
        upstream: web_service

      api_gateway:
        routes:
          web_app:
            path_pattern: "^/"
            upstream: web_service
          users_api:
            path_pattern: "^/api/users"   # Go-flavoured regex matched against the path
            methods: [GET, POST, PUT, DELETE]
            upstream: users_service
            strip_prefix: false
            timeout_secs: 30
            middlewares: [rate_limiting, authentication, cors]
        middlewares:
          rate_limiting:
            requests_per_minute: 1000
            burst_size: 100
            key_header: X-API-Key

          authentication:
            jwt_secret: "0123456789abcdef0123456789abcdef-test"
            excluded_paths: [/health, /metrics]

          cors:
            allowed_origins: ["*"]
            allowed_methods: [GET, POST, PUT, DELETE]
            allowed_headers: ["*"]

      control_api:
        enabled: true
        bind_address: "0.0.0.0:8485"
        api_key: "0123456789abcdef0123456789abcdef-test-key"
      """;

  @TempDir
  Path dir;

  private String yaml;

  @BeforeEach
  void writeCertificates() throws IOException {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\n");
    Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n");
    yaml = GUIDE_EXAMPLE.replace("CERT", cert.toString()).replace("KEY", key.toString());
  }

  @Test
  void guideExampleLoadsFromAFile() throws Exception {
    Path file = Files.writeString(dir.resolve("config.yaml"), yaml, StandardCharsets.UTF_8);

    ProxyConfig c = ConfigLoader.load(file, ConfigOverrides.none());

    assertThat(c.mode()).isEqualTo(Mode.API_GATEWAY);
    assertThat(c.upstreams()).containsOnlyKeys("web_service", "users_service");
  }

  @Test
  void serverSection() throws Exception {
    ServerConfig s = parse(yaml).server();

    assertThat(s.bindAddress()).isEqualTo(new ServerAddress("0.0.0.0", 8484));
    assertThat(s.workers()).contains(4);
    assertThat(s.tls()).contains(ListenerTls.files(dir.resolve("cert.pem").toString(), dir.resolve("key.pem").toString()));
    // Keys the guide does not write take their SPEC section 3 defaults.
    assertThat(s.maxHeaderSize()).isEqualTo(8 * 1024);
    assertThat(s.maxRequestLine()).isEqualTo(8 * 1024);
    assertThat(s.idleTimeoutSecs()).isEqualTo(60);
    assertThat(s.headerTimeoutSecs()).isEqualTo(10);
    assertThat(s.shutdownGraceSecs()).isEqualTo(10);
    assertThat(s.bodyTimeoutSecs()).isEqualTo(60);
    assertThat(s.maxBodySize()).as("unlimited by default").isEmpty();
  }

  @Test
  void loggingSection() throws Exception {
    assertThat(parse(yaml).logging()).isEqualTo(new LoggingConfig("info", LogFormat.TEXT, true));
  }

  @Test
  void upstreamsKeepYamlOrderAndValues() throws Exception {
    ProxyConfig c = parse(yaml);

    assertThat(c.upstreams().keySet()).containsExactly("web_service", "users_service");

    UpstreamConfig web = c.upstreams().get("web_service");
    assertThat(web.name()).isEqualTo("web_service");
    assertThat(web.servers()).containsExactly(
        new ServerEntry(new ServerAddress("10.0.0.1", 3000), 1),
        new ServerEntry(new ServerAddress("10.0.0.2", 3000), 1),
        new ServerEntry(new ServerAddress("10.0.0.3", 3000), 1));
    assertThat(web.strategy()).isEqualTo(Strategy.ROUND_ROBIN);
    assertThat(web.tls()).isFalse();
    assertThat(web.sni()).as("an empty sni means none").isEmpty();
    assertThat(web.healthCheck()).contains(new HealthCheckConfig(30, 5, Optional.of("/health"), 1, 1));

    UpstreamConfig users = c.upstreams().get("users_service");
    assertThat(users.servers()).containsExactly(ServerEntry.of("api.internal:8080"));
    assertThat(users.healthCheck()).isEmpty();
    assertThat(users.passive()).isEmpty();
    assertThat(users.hashOn()).isEqualTo(HashOn.CLIENT_IP);
    assertThat(users.tlsVerify()).isTrue();
    assertThat(users.caPath()).isEmpty();
    assertThat(users.maxConnectionsPerServer()).isEqualTo(1000);
    assertThat(users.connectTimeoutSecs()).isEqualTo(5);
  }

  @Test
  void loadBalancerSectionIsKeptEvenInGatewayMode() throws Exception {
    assertThat(parse(yaml).loadBalancer()).contains(new LoadBalancerConfig("web_service", List.of()));
  }

  @Test
  void routesKeepYamlOrderNotPatternLength() throws Exception {
    ProxyConfig c = parse(yaml);

    assertThat(c.apiGateway()).isPresent();
    assertThat(c.apiGateway().get().routes().keySet()).containsExactly("web_app", "users_api");
    assertThat(c.routes()).extracting(RouteConfig::name).containsExactly("web_app", "users_api");

    RouteConfig users = c.apiGateway().get().routes().get("users_api");
    assertThat(users).isEqualTo(new RouteConfig("users_api", "^/api/users", List.of("GET", "POST", "PUT", "DELETE"),
        "users_service", false, 30, Optional.empty(), 0, List.of("rate_limiting", "authentication", "cors"),
        Optional.empty()));

    RouteConfig web = c.apiGateway().get().routes().get("web_app");
    assertThat(web).isEqualTo(RouteConfig.of("web_app", "^/", "web_service"));
    assertThat(web.timeoutSecs()).isEqualTo(60);
    assertThat(web.methods()).as("no methods means every method").isEmpty();
  }

  @Test
  void theThreeGuideMiddlewares() throws Exception {
    ProxyConfig c = parse(yaml);

    assertThat(c.apiGateway().get().middlewares().keySet()).containsExactly("rate_limiting", "authentication", "cors");
    assertThat(c.middlewares()).as("no top-level middlewares map").isEmpty();
    assertThat(c.allMiddlewares().keySet()).containsExactly("rate_limiting", "authentication", "cors");

    assertThat(c.allMiddlewares().get("rate_limiting"))
        .isEqualTo(new RateLimiting("rate_limiting", 1000, 100, new RateKey.Header("X-API-Key")));
    assertThat(c.allMiddlewares().get("authentication"))
        .isEqualTo(new Authentication("authentication", Optional.of("0123456789abcdef0123456789abcdef-test"), Optional.empty(),
            List.of("/health", "/metrics"), Optional.empty(), Optional.empty(), true));
    Cors cors = (Cors) c.allMiddlewares().get("cors");
    assertThat(cors).isEqualTo(new Cors("cors", List.of("*"), List.of("GET", "POST", "PUT", "DELETE"), List.of("*"),
        false, Optional.empty(), List.of()));
    assertThat(c.allMiddlewares().values()).extracting(MiddlewareConfig::type)
        .containsExactly("rate_limiting", "authentication", "cors");
  }

  @Test
  void controlApiSection() throws Exception {
    assertThat(parse(yaml).controlApi())
        .isEqualTo(new ControlApiConfig(true, new ServerAddress("0.0.0.0", 8485), Optional.of("0123456789abcdef0123456789abcdef-test-key"),
            List.of(), List.of()));
  }

  @Test
  void guideLoadBalancerExample() throws Exception {
    ProxyConfig c = parse("""
        mode: load_balancer

        upstreams:
          app_fleet:
            servers:
              - "10.0.1.10:8080"
              - "10.0.1.11:8080"
              - "10.0.1.12:8080"
            strategy: round_robin
            tls: false
            health_check:
              interval_secs: 15
              timeout_secs: 3
              path: /health

        load_balancer:
          upstream: app_fleet
        """);

    assertThat(c.mode()).isEqualTo(Mode.LOAD_BALANCER);
    assertThat(c.loadBalancer()).contains(new LoadBalancerConfig("app_fleet", List.of()));
    assertThat(c.apiGateway()).isEmpty();
    assertThat(c.routes()).isEmpty();
    assertThat(c.upstreams().get("app_fleet").servers()).hasSize(3);
    assertThat(c.upstreams().get("app_fleet").healthCheck())
        .contains(new HealthCheckConfig(15, 3, Optional.of("/health"), 1, 1));
    // Sections the file leaves out take their defaults.
    assertThat(c.server()).isEqualTo(ServerConfig.defaults(ServerConfig.DEFAULT_BIND));
    assertThat(c.logging()).isEqualTo(LoggingConfig.defaults());
    assertThat(c.controlApi()).isEqualTo(ControlApiConfig.defaults());
    assertThat(c.controlApi().bindAddress()).isEqualTo(new ServerAddress("127.0.0.1", 8485));
  }

  @Test
  void guideTlsUpstreamExample() throws Exception {
    ProxyConfig c = parse("""
        mode: load_balancer
        upstreams:
          secure_backend:
            servers:
              - "backend.internal:443"
            strategy: round_robin
            tls: true
            sni: "backend.internal"
        load_balancer:
          upstream: secure_backend
        """);

    UpstreamConfig u = c.upstreams().get("secure_backend");
    assertThat(u.tls()).isTrue();
    assertThat(u.sni()).contains("backend.internal");
    assertThat(u.tlsVerify()).isTrue();
  }

  @Test
  void everySpecAdditionIsRead() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
    ProxyConfig c = parse("""
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:9000"
          max_header_size: 16384
          max_request_line: 4096
          idle_timeout_secs: 30
          header_timeout_secs: 5
          shutdown_grace_secs: 0
          body_timeout_secs: 7
          max_body_size: 5000000000
        logging:
          level: "warn,cloud.locci=debug"
          format: json
          access_log: false
        upstreams:
          hashed:
            servers: ["10.0.0.1:443", {address: "10.0.0.2:443", weight: 3}]
            strategy: consistent_hash
            hash_on: "header:X-User"
            tls: true
            tls_verify: false
            ca_path: "CA"
            health_check:
              path: /ready
              healthy_threshold: 2
              unhealthy_threshold: 3
            passive:
              max_fails: 3
              fail_timeout_secs: 30
            max_connections_per_server: 50
            connect_timeout_secs: 2
        load_balancer:
          upstream: hashed
        control_api:
          enabled: false
          bind_address: "127.0.0.1:9000"
        """.replace("CA", ca.toString()));

    assertThat(c.server()).isEqualTo(new ServerConfig(new ServerAddress("127.0.0.1", 9000), Optional.empty(),
        Optional.empty(), 16384, 4096, 30, 5, 0, 7, Optional.of(5_000_000_000L), false, false, List.of(),
        Optional.empty(), false));
    assertThat(c.logging()).isEqualTo(new LoggingConfig("warn,cloud.locci=debug", LogFormat.JSON, false));
    UpstreamConfig u = c.upstreams().get("hashed");
    assertThat(u).isEqualTo(new UpstreamConfig("hashed",
        List.of(ServerEntry.of("10.0.0.1:443"), new ServerEntry(new ServerAddress("10.0.0.2", 443), 3)),
        Strategy.CONSISTENT_HASH, new HashOn(HashOn.Kind.HEADER, "X-User"), true, Optional.empty(), false,
        Optional.of(ca.toString()), Optional.of(new HealthCheckConfig(10, 2, Optional.of("/ready"), 2, 3)),
        Optional.of(new PassiveConfig(3, 30)), 50, 2));
    assertThat(c.controlApi().enabled()).as("a disabled control API may share the proxy's port").isFalse();
  }

  @Test
  void manyUpstreamsAndRoutesKeepYamlOrder() throws Exception {
    List<String> names = new ArrayList<>(List.of("kilo", "alpha", "zulu", "echo", "bravo", "yankee", "delta",
        "x_ray", "charlie", "mike", "golf", "lima"));
    Collections.shuffle(names, new Random(42));
    StringBuilder sb = new StringBuilder("mode: api_gateway\nupstreams:\n");
    for (int i = 0; i < names.size(); i++) {
      sb.append("  ").append(names.get(i)).append(":\n    servers: [\"10.0.0.").append(i + 1).append(":80\"]\n");
    }
    sb.append("api_gateway:\n  routes:\n");
    for (String n : names) {
      sb.append("    r_").append(n).append(":\n      path_pattern: \"^/").append(n).append("\"\n")
          .append("      upstream: ").append(n).append('\n');
    }

    ProxyConfig c = parse(sb.toString());

    assertThat(c.upstreams().keySet()).containsExactlyElementsOf(names);
    assertThat(c.routes()).extracting(RouteConfig::name)
        .containsExactlyElementsOf(names.stream().map(n -> "r_" + n).toList());
  }

  @Test
  void recordsAreImmutable() throws Exception {
    ProxyConfig c = parse(yaml);

    assertThatThrownBy(() -> c.upstreams().remove("web_service"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> c.routes().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(
        () -> c.apiGateway().get().routes().put("x", RouteConfig.of("x", "^/x", "web_service")))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
