package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.testing.CheckedUpstream;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HealthEvents;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Strategies, health and TLS upstreams work through gateway routes as they do in LB mode. */
@ExtendWith(VertxExtension.class)
class GatewayUpstreamsTest {

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  @Test
  @SuppressWarnings("deprecation")
  void weightedGroupHealthChecksAndTlsUpstreamBehindRoutes() {
    EchoUpstream a = EchoUpstream.start(vertx, "a").await();
    EchoUpstream b = EchoUpstream.start(vertx, "b").await();
    CheckedUpstream lonely = CheckedUpstream.start(vertx, "lonely").await();
    SelfSignedCertificate cert = SelfSignedCertificate.create("backend.internal");
    HttpServer secure = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
            .setKeyCertOptions(cert.keyCertOptions()))
        .requestHandler(req -> req.response().end("sni=" + req.connection().indicatedServerName()))
        .listen(0, "127.0.0.1").await();
    HealthEvents events = HealthEvents.listen(vertx);
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          weighted:
            servers: [{ address: "%s", weight: 3 }, "%s"]
            strategy: weighted_round_robin
          checked:
            servers: ["%s"]
            health_check: { interval_secs: 1, timeout_secs: 5, path: /health }
          secure:
            servers: ["127.0.0.1:%d"]
            tls: true
            sni: backend.internal
            ca_path: "%s"
        api_gateway:
          routes:
            weighted: { path_pattern: "^/w", upstream: weighted }
            checked: { path_pattern: "^/c", upstream: checked }
            secure: { path_pattern: "^/s", upstream: secure }
        control_api: { enabled: false }
        """.formatted(a.address(), b.address(), lonely.address(), secure.actualPort(), cert.certificatePath());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 2).await().port();
    events.awaitCheckedAndHealthy(Duration.ofSeconds(10), lonely.address());

    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      counts.merge(HttpResult.get(client, port, "/w").header("X-Upstream-Id"), 1, Integer::sum);
    }
    assertThat(counts).containsEntry("a", 30).containsEntry("b", 10);

    assertThat(HttpResult.get(client, port, "/s").body().toString()).isEqualTo("sni=backend.internal");

    assertThat(HttpResult.get(client, port, "/c").status()).isEqualTo(200);
    lonely.healthStatus(500);
    HealthChanged down = events.next(Duration.ofSeconds(10));
    assertThat(down.healthy()).isFalse();
    // The flip reaches each proxy instance on its own event loop, a moment after this test heard it.
    Eventually.until(vertx, Duration.ofSeconds(5), "the route to answer 503",
        () -> HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/c"), null)
            .map(r -> r.status() == 503)).await();
    HttpResult unavailable = HttpResult.get(client, port, "/c");
    assertThat(unavailable.status()).isEqualTo(503);
    assertThat(unavailable.header("X-Locci-Reason")).isEqualTo("no_healthy_upstream");
  }
}
