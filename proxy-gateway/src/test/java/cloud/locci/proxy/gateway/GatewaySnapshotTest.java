package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.ProxyMode;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.forward.Decision;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.testing.CheckedUpstream;
import cloud.locci.proxy.core.testing.HealthEvents;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway's routing table (its regexes, rewrites and policies) is compiled once per config version for
 * the whole process, whatever the number of event loops, and a health flip found by the real health
 * checker compiles none: the routes follow it at once on every instance.
 */
@ExtendWith(VertxExtension.class)
class GatewaySnapshotTest {

  private static final int INSTANCES = 2;
  private static final AtomicInteger compiled = new AtomicInteger();

  /** The gateway mode, counting how many routing tables it compiles. */
  static final class CountingGateway implements ProxyMode<RoutingTable> {
    private final GatewayMode gateway = new GatewayMode();

    @Override
    public RoutingTable compile(Vertx vertx, ProxyConfig config, Upstreams upstreams, Middlewares middlewares) {
      compiled.incrementAndGet();
      return gateway.compile(vertx, config, upstreams, middlewares);
    }

    @Override
    public Decision decide(RoutingTable table, Exchange exchange) {
      return gateway.decide(table, exchange);
    }

    @Override
    public Explanation explain(RoutingTable table, ExplainQuery query) {
      return gateway.explain(table, query);
    }
  }

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    compiled.set(0);
    // No keep-alive: each request is a new connection, so requests spread over both instances.
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  @Test
  void routingTableCompiledOncePerVersionAndNotOnAHealthFlip() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    HealthEvents events = HealthEvents.listen(vertx);
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0", workers: %d }
        upstreams:
          app:
            servers: ["%s", "%s"]
            health_check: { interval_secs: 1, timeout_secs: 5, path: /health }
        api_gateway:
          routes:
            api:
              path_pattern: "^/api/(v1|v2)/[a-z]+$"
              upstream: app
        control_api: { enabled: false }
        """.formatted(INSTANCES, a.address(), b.address());
    ProxyDeployment proxy = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), CountingGateway::new,
        INSTANCES).await();
    assertThat(proxy.proxies()).hasSize(INSTANCES);
    assertThat(compiled.get()).as("routing tables compiled for %d instances", INSTANCES).isEqualTo(1);
    events.awaitCheckedAndHealthy(Duration.ofSeconds(10), a.address(), b.address());
    assertThat(servedBy(proxy.port(), "/api/v1/users")).containsExactlyInAnyOrder("a", "b");

    // The checker finds a down: it is out of rotation for the next request on every instance.
    a.healthStatus(500);
    HealthChanged down = events.next(Duration.ofSeconds(10));
    assertThat(down.healthy()).isFalse();
    assertThat(servedBy(proxy.port(), "/api/v2/orders")).containsExactly("b");
    assertThat(compiled.get()).as("routing tables compiled after a health flip").isEqualTo(1);

    // A new version (one more route): compiled once for both instances, and served by both at once.
    proxy.apply(ProxyDeployment.parse(yaml.replace("  routes:\n",
        "  routes:\n    extra: { path_pattern: \"^/extra\", upstream: app }\n"))).await();
    for (int i = 0; i < 4 * INSTANCES; i++) {
      assertThat(HttpResult.get(client, proxy.port(), "/extra").status()).isEqualTo(200);
    }
    assertThat(compiled.get()).as("routing tables compiled after one reload").isEqualTo(2);

    // a comes back: in rotation again, still without a compilation.
    a.healthStatus(200);
    HealthChanged up = events.next(Duration.ofSeconds(10));
    assertThat(up.healthy()).isTrue();
    assertThat(servedBy(proxy.port(), "/api/v1/users")).containsExactlyInAnyOrder("a", "b");
    assertThat(compiled.get()).as("routing tables compiled after the server came back").isEqualTo(2);
  }

  /** The upstreams that served 4 requests per instance to {@code path}, each on a new connection. */
  private Set<String> servedBy(int port, String path) {
    Set<String> served = new HashSet<>();
    for (int i = 0; i < 4 * INSTANCES; i++) {
      HttpResult r = HttpResult.get(client, port, path);
      assertThat(r.status()).isEqualTo(200);
      served.add(r.header("X-Upstream-Id"));
    }
    return served;
  }
}
