package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.ProxyMode;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.forward.Decision;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.health.CurrentHealth;
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.ClosedPort;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One snapshot owner per deployment: each config version is compiled once for all proxy instances (not
 * once per event loop, not per request), and a health flip compiles nothing while requests follow it at
 * once.
 */
@ExtendWith(VertxExtension.class)
class SnapshotOwnerTest {

  private static final int INSTANCES = 4;
  private static final AtomicInteger compiled = new AtomicInteger();

  /** The load-balancer mode, counting its compilations. */
  static final class CountingMode implements ProxyMode<LoadBalancerMode.Plan> {
    private final LoadBalancerMode lb = new LoadBalancerMode();

    @Override
    public LoadBalancerMode.Plan compile(Vertx vertx, ProxyConfig config, Upstreams upstreams, Middlewares middlewares) {
      compiled.incrementAndGet();
      return lb.compile(vertx, config, upstreams, middlewares);
    }

    @Override
    public Decision decide(LoadBalancerMode.Plan plan, Exchange exchange) {
      return lb.decide(plan, exchange);
    }

    @Override
    public Explanation explain(LoadBalancerMode.Plan plan, ExplainQuery query) {
      return lb.explain(plan, query);
    }
  }

  /** The load-balancer mode, noting the threads that decide requests; its first compile is slow. */
  static final class ThreadNotingMode implements ProxyMode<LoadBalancerMode.Plan> {
    static final Set<String> deciding = ConcurrentHashMap.newKeySet();
    private final LoadBalancerMode lb = new LoadBalancerMode();

    @Override
    public LoadBalancerMode.Plan compile(Vertx vertx, ProxyConfig config, Upstreams upstreams, Middlewares middlewares) {
      // A compile as slow as one of a large routing table: the other instances get the new version
      // meanwhile and wait for this compilation instead of repeating it (the case in which their
      // continuation ran on this instance's event loop). A cost simulated, not a wait: the test itself
      // waits on futures only.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
      return lb.compile(vertx, config, upstreams, middlewares);
    }

    @Override
    public Decision decide(LoadBalancerMode.Plan plan, Exchange exchange) {
      deciding.add(Thread.currentThread().getName());
      return lb.decide(plan, exchange);
    }

    @Override
    public Explanation explain(LoadBalancerMode.Plan plan, ExplainQuery query) {
      return lb.explain(plan, query);
    }
  }

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    compiled.set(0);
    // No keep-alive: each request is a new connection, so requests spread over every proxy instance.
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  @Test
  void eachVersionIsCompiledOnceForEveryInstanceAndAFlipCompilesNothing() {
    EchoUpstream a = EchoUpstream.start(vertx, "a").await();
    EchoUpstream b = EchoUpstream.start(vertx, "b").await();
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0", workers: %d }
        upstreams:
          app:
            servers: ["%s", "%s"]
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(INSTANCES, a.address(), b.address());
    ProxyConfig config = ProxyDeployment.parse(yaml);
    ProxyDeployment proxy = ProxyDeployment.deploy(vertx, config, CountingMode::new, INSTANCES).await();
    assertThat(proxy.proxies()).hasSize(INSTANCES);
    assertThat(compiled.get()).isEqualTo(1);

    // A new version, then requests on new connections, which land on every instance.
    proxy.apply(ProxyDeployment.parse(yaml.replace("    servers:",
        "    connect_timeout_secs: 3\n    servers:"))).await();
    Set<String> served = new HashSet<>();
    for (int i = 0; i < 4 * INSTANCES; i++) {
      HttpResult r = HttpResult.get(client, proxy.port(), "/x");
      assertThat(r.status()).isEqualTo(200);
      served.add(r.header("X-Upstream-Id"));
    }
    assertThat(served).containsExactlyInAnyOrder("a", "b");
    assertThat(compiled.get()).isEqualTo(2);

    // Server a goes down (as the health checker announces it): every request goes to b at once, and no
    // version is compiled for it.
    CurrentHealth.of(vertx).apply(new HealthChanged("app", ServerAddress.parse(a.address()), false, "test"));
    try {
      for (int i = 0; i < 4 * INSTANCES; i++) {
        assertThat(HttpResult.get(client, proxy.port(), "/x").header("X-Upstream-Id")).isEqualTo("b");
      }
      assertThat(compiled.get()).isEqualTo(2);
    } finally {
      CurrentHealth.of(vertx).apply(new HealthChanged("app", ServerAddress.parse(a.address()), true, "test"));
    }
  }

  /** The event loops that decide 4 requests per instance, each on a new connection (handed out in turn). */
  private static Set<String> loopsServing(HttpClient fresh, int port) {
    ThreadNotingMode.deciding.clear();
    for (int i = 0; i < 4 * INSTANCES; i++) {
      assertThat(HttpResult.get(fresh, port, "/x").status()).isEqualTo(200);
    }
    return Set.copyOf(ThreadNotingMode.deciding);
  }

  @Test
  void instancesThatWaitedForAnotherInstancesCompilationServeOnTheirOwnEventLoops() {
    Vertx own = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(INSTANCES));
    HttpClient fresh = own.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    try {
      EchoUpstream a = EchoUpstream.start(own, "a").await();
      // Fixed ports: instances asked for port 0 would each bind a port of their own (Vert.x shares a
      // random port only among servers asked for the same negative one).
      String yaml = """
          mode: load_balancer
          server: { bind_address: "127.0.0.1:%d", workers: %d }
          upstreams:
            app:
              servers: ["%s"]
          load_balancer: { upstream: app }
          control_api: { enabled: false }
          """;
      ProxyDeployment proxy = ProxyDeployment.deploy(own,
          ProxyDeployment.parse(yaml.formatted(ClosedPort.find(), INSTANCES, a.address())), ThreadNotingMode::new,
          INSTANCES).await();
      assertThat(loopsServing(fresh, proxy.port())).as("event loops serving after start-up").hasSize(INSTANCES);

      // A reload that moves the listener: one instance compiles it (slowly), the others wait for that
      // compilation and then each opens its own new listener.
      int moved = ClosedPort.find();
      proxy.configVerticle().apply(ProxyDeployment.parse(yaml.formatted(moved, INSTANCES, a.address())), "test")
          .await();
      Eventually.untilTrue(own, Duration.ofSeconds(10), "every instance listens on the new port",
          () -> proxy.proxies().stream().allMatch(p -> p.actualPort() == moved)).await();
      assertThat(loopsServing(fresh, moved)).as("event loops serving after the listener moved").hasSize(INSTANCES);
    } finally {
      fresh.close().await();
      own.close().await();
    }
  }
}
