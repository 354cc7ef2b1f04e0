package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cloud.locci.proxy.core.config.LoggingConfig.LogFormat;
import cloud.locci.proxy.core.config.MiddlewareConfig.Authentication;
import cloud.locci.proxy.core.config.MiddlewareConfig.Cors;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateKey;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateLimiting;
import cloud.locci.proxy.core.config.UpstreamConfig.HashOn;
import cloud.locci.proxy.core.config.UpstreamConfig.HealthCheckConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.PassiveConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code examples/config-full.yaml} loads, and means what its comments say. */
class FullExampleTest {

  @TempDir
  Path certs;

  private ProxyConfig load() throws Exception {
    return ConfigLoader.parse(FullExample.withFilesIn(certs), FullExample.SOURCE, ConfigOverrides.none());
  }

  @Test
  void loadsWithItsFilesInPlace() throws Exception {
    ProxyConfig c = load();

    assertThat(c.mode()).isEqualTo(Mode.API_GATEWAY);
    assertThat(c.server().workers()).contains(4);
    assertThat(c.server().tls()).isPresent();
    assertThat(c.logging()).isEqualTo(new LoggingConfig("info", LogFormat.TEXT, true));
    assertThat(c.upstreams()).containsOnlyKeys("web_service", "users_service", "sessions_service", "billing_service",
        "users_service_next");
    assertThat(c.loadBalancer()).isPresent();
    assertThat(c.routes()).extracting(RouteConfig::name).containsExactly("users_api", "sessions", "billing", "billing_canary", "web_app");
    assertThat(c.allMiddlewares()).containsOnlyKeys("rate_limiting", "authentication", "cors", "per_client_limit",
        "partner_auth", "partner_cors", "office_only", "gzip");
    assertThat(c.controlApi()).isEqualTo(new ControlApiConfig(true, new ServerAddress("127.0.0.1", 8485),
        Optional.of(FullExample.API_KEY), List.of("https://admin.example.com"), List.of("proxy-admin.internal")));
  }

  @Test
  void upstreamsShowEveryForm() throws Exception {
    ProxyConfig c = load();

    UpstreamConfig web = c.upstreams().get("web_service");
    assertThat(web.healthCheck()).contains(new HealthCheckConfig(10, 2, Optional.of("/health"), 2, 3));
    assertThat(web.passive()).contains(new PassiveConfig(3, 10));
    assertThat(c.upstreams().get("users_service").servers()).containsExactly(
        new ServerEntry(ServerAddress.parse("10.0.1.1:8080"), 3), new ServerEntry(ServerAddress.parse("10.0.1.2:8080"), 1));
    assertThat(c.upstreams().get("sessions_service").hashOn()).isEqualTo(new HashOn(HashOn.Kind.HEADER, "X-User-Id"));
    UpstreamConfig billing = c.upstreams().get("billing_service");
    assertThat(billing.strategy()).isEqualTo(Strategy.LEAST_CONNECTIONS);
    assertThat(billing.tls()).isTrue();
    assertThat(billing.sni()).contains("billing.internal");
    assertThat(billing.caPath()).contains(certs.resolve("upstream-ca.pem").toAbsolutePath().toString());
  }

  @Test
  void middlewaresOfEachTypeUnderBothMaps() throws Exception {
    ProxyConfig c = load();

    assertThat(c.allMiddlewares().get("rate_limiting"))
        .isEqualTo(new RateLimiting("rate_limiting", 1000, 100, new RateKey.Header("X-API-Key")));
    assertThat(c.allMiddlewares().get("per_client_limit"))
        .isEqualTo(new RateLimiting("per_client_limit", 600, 600, new RateKey.ClientIp(), RateLimitScope.CLUSTER));
    assertThat(c.allMiddlewares().get("authentication")).isInstanceOfSatisfying(Authentication.class, a -> {
      assertThat(a.jwtSecret()).contains(FullExample.JWT_SECRET);
      assertThat(a.excludedPaths()).containsExactly("/health", "/public/*");
    });
    assertThat(c.allMiddlewares().get("partner_auth")).isInstanceOfSatisfying(Authentication.class,
        a -> assertThat(a.publicKeyPath()).isPresent());
    assertThat(c.allMiddlewares().get("cors")).isInstanceOfSatisfying(Cors.class, cors -> {
      assertThat(cors.allowCredentials()).isTrue();
      assertThat(cors.maxAgeSecs()).contains(600);
      assertThat(cors.exposeHeaders()).containsExactly("X-Request-Id");
    });
    assertThat(c.loadBalancer().get().middlewares()).containsExactly("per_client_limit");
  }

  @Test
  void clusterSection() throws Exception {
    assertThat(load().cluster()).isEqualTo(new ClusterConfig(false, "locci", "127.0.0.1", 5701,
        java.util.List.of(new ServerAddress("127.0.0.1", 5702))));
  }

  @Test
  void withoutItsFilesOnlyTheFiveFilesAreMissing() throws Exception {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
        FullExample.withSecrets(FullExample.rawText()), FullExample.SOURCE, ConfigOverrides.none()));

    assertThat(e.errors()).as(e.getMessage()).extracting(ConfigError::path).containsExactlyInAnyOrder(
        "server.tls.cert_path", "server.tls.key_path", "server.tls.acme.ca_path", "upstreams.billing_service.ca_path",
        "middlewares.partner_auth.public_key_path");
    assertThat(e.errors()).allSatisfy(err -> assertThat(err.message()).contains("does not exist"));
    assertThat(e.getMessage()).contains("\"./certs/server.pem\" does not exist");
  }

  @Test
  void itsPlaceholderSecretsAreRefusedAsShipped(@TempDir Path dir) throws Exception {
    String shipped = FullExample.withFilesIn(dir)
        .replace(FullExample.JWT_SECRET, "REPLACE-with-the-output-of-openssl-rand-hex-32")
        .replace(FullExample.API_KEY, "REPLACE-with-another-output-of-openssl-rand-hex-32");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse(shipped, FullExample.SOURCE, ConfigOverrides.none()));

    assertThat(e.errors()).as(e.getMessage()).extracting(ConfigError::path).containsExactlyInAnyOrder(
        "api_gateway.middlewares.authentication.jwt_secret", "control_api.api_key");
    assertThat(e.errors()).allSatisfy(err -> assertThat(err.message()).contains("published in the project's examples"));
  }
}
