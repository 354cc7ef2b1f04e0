package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.testing.CheckedUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HealthEvents;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Active health checks seen through a real load-balancer deployment (config verticle, health-check
 * verticle, two proxy instances): a server whose {@code /health} fails leaves the rotation of every
 * instance and comes back when it passes again; all servers down is a 503; a reload that does not touch
 * the group keeps a down server down.
 */
@ExtendWith(VertxExtension.class)
class HealthRotationTest {

  private static final Duration FLIP = Duration.ofSeconds(10);

  private Vertx vertx;
  private HttpClient client;
  private HealthEvents events;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.events = HealthEvents.listen(vertx);
    // No keep-alive: each request is a new connection, so requests spread over both proxy instances.
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private static String config(String extraUpstreams, CheckedUpstream... servers) {
    StringBuilder list = new StringBuilder();
    for (CheckedUpstream s : servers) {
      list.append("\"").append(s.address()).append("\", ");
    }
    return """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        control_api:
          enabled: false
        load_balancer:
          upstream: app
        upstreams:
          app:
            servers: [%s]
            health_check:
              interval_secs: 1
              timeout_secs: 1
              path: /health
        %s
        """.formatted(list.substring(0, list.length() - 2), extraUpstreams.indent(2).stripTrailing());
  }

  private ProxyDeployment deploy(String yaml) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 2).await();
  }

  private List<String> served(ProxyDeployment proxy, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpResult r = HttpResult.get(client, proxy.port(), "/work");
      assertThat(r.status()).as("%s", r).isEqualTo(200);
      ids.add(r.header("X-Upstream-Id"));
    }
    return ids;
  }

  @Test
  void failingServerLeavesTheRotationAndComesBack() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    ProxyDeployment proxy = deploy(config("", a, b));
    events.awaitCheckedAndHealthy(FLIP, a.address(), b.address());
    assertThat(served(proxy, 4)).containsExactlyInAnyOrder("a", "a", "b", "b");

    b.healthStatus(500);
    HealthChanged down = events.next(FLIP);
    assertThat(down.server().toString()).isEqualTo(b.address());
    assertThat(down.healthy()).isFalse();
    int toB = b.requests();
    assertThat(served(proxy, 6)).containsOnly("a");
    assertThat(b.requests()).isEqualTo(toB);

    b.healthStatus(200);
    HealthChanged up = events.next(FLIP);
    assertThat(up.healthy()).isTrue();
    assertThat(served(proxy, 4)).containsExactlyInAnyOrder("a", "a", "b", "b");
  }

  @Test
  void everyServerDownAnswers503WithJsonReason() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    ProxyDeployment proxy = deploy(config("", a));
    events.awaitCheckedAndHealthy(FLIP, a.address());
    a.healthStatus(500);
    assertThat(events.next(FLIP).healthy()).isFalse();

    for (int i = 0; i < 2; i++) {
      HttpResult r = HttpResult.get(client, proxy.port(), "/work");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.header("X-Locci-Reason")).isEqualTo("no_healthy_upstream");
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      assertThat(r.json().getString("reason")).isEqualTo("no_healthy_upstream");
      assertThat(r.json().getInteger("status")).isEqualTo(503);
      assertThat(r.json().getString("error")).contains("app");
    }
    assertThat(a.requests()).isZero();
  }

  @Test
  void reloadThatLeavesTheGroupAloneKeepsADownServerDown() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    ProxyDeployment proxy = deploy(config("", a, b));
    events.awaitCheckedAndHealthy(FLIP, a.address(), b.address());
    b.healthStatus(500);
    assertThat(events.next(FLIP).healthy()).isFalse();

    ProxyConfig next = ProxyDeployment.parse(config("""
        other:
          servers: ["127.0.0.1:9"]
        """, a, b));
    assertThat(proxy.apply(next).await().version()).isEqualTo(2);
    assertThat(served(proxy, 6)).containsOnly("a");

    // Two more failing checks of b after the reload: still no flip, b still out of every instance.
    int checks = b.healthChecks();
    Eventually.untilTrue(vertx, FLIP, "two more checks of b", () -> b.healthChecks() >= checks + 2).await();
    assertThat(events.drained()).isEmpty();
    assertThat(served(proxy, 4)).containsOnly("a");
  }
}
