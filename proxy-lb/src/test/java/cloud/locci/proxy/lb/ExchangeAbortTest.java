package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.ProxyMode;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.forward.Decision;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.Target;
import cloud.locci.proxy.core.middleware.Middleware;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.middleware.Verdict;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One abort path per exchange: an exception thrown after the pooled connection was taken still releases
 * the connection and the server's in-flight count and answers 500; a request that fails on a reused
 * keep-alive connection the upstream had closed is sent once more on a fresh one, whatever retries says.
 */
@ExtendWith(VertxExtension.class)
class ExchangeAbortTest {

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

  /** Load balancing with one middleware that sets an upstream header the upstream request refuses (CR LF). */
  static final class BadHeaderMode implements ProxyMode<UpstreamGroup> {
    private static final Middleware BAD = new Middleware() {
      @Override
      public String name() {
        return "bad-header";
      }

      @Override
      public Future<Verdict> onRequest(Exchange exchange) {
        if (exchange.request().path().equals("/bad")) {
          exchange.setUpstreamHeader("X-Injected", "a\r\nb");
        }
        return Future.succeededFuture(Verdict.CONTINUE);
      }
    };

    @Override
    public UpstreamGroup compile(Vertx vertx, ProxyConfig config, Upstreams upstreams, Middlewares middlewares) {
      return upstreams.group("app").orElseThrow();
    }

    @Override
    public Decision decide(UpstreamGroup group, Exchange exchange) {
      return new Decision.Forward(new Target("", group, exchange.request().uri(), 60_000, 0), List.of(BAD));
    }

    @Override
    public Explanation explain(UpstreamGroup group, ExplainQuery query) {
      return Explanation.loadBalancer(group, query.path(), List.of("bad-header"));
    }
  }

  @Test
  void anExceptionAfterTheConnectionWasTakenReleasesItAndAnswers500() {
    EchoUpstream echo = EchoUpstream.start(vertx, "echo").await();
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0", workers: 1 }
        upstreams:
          app:
            servers: ["%s"]
            max_connections_per_server: 1
            connect_timeout_secs: 1
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(echo.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), BadHeaderMode::new, 1).await().port();
    for (int i = 0; i < 3; i++) {
      HttpResult bad = HttpResult.get(client, port, "/bad");
      assertThat(bad.status()).isEqualTo(500);
      assertThat(bad.header("X-Locci-Reason")).isEqualTo("internal_error");
    }
    // The only connection of the pool was released each time (else: 504, no connection free).
    assertThat(HttpResult.get(client, port, "/good").status()).isEqualTo(200);
    assertThat(UpstreamRegistry.of(vertx).stats(ServerAddress.parse(echo.address())).active()).isZero();
  }

  @Test
  void aRequestFailingOnAReusedConnectionGoesOnceMoreOnAFreshOne() {
    // Answers the first request of each connection, and closes the connection on the second one: the
    // race of a keep-alive connection the upstream closes just as the proxy reuses it.
    AtomicInteger connections = new AtomicInteger();
    AtomicInteger heads = new AtomicInteger();
    NetServer upstream = vertx.createNetServer().connectHandler(socket -> {
      connections.incrementAndGet();
      int[] seen = {0};
      StringBuilder pending = new StringBuilder();
      socket.handler(buf -> {
        pending.append(buf.toString());
        int end;
        while ((end = pending.indexOf("\r\n\r\n")) >= 0) {
          pending.delete(0, end + 4);
          heads.incrementAndGet();
          if (++seen[0] == 1) {
            socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
          } else {
            socket.close();
          }
        }
      });
    }).listen(0, "127.0.0.1").await();
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0", workers: 1 }
        upstreams:
          app: { servers: ["127.0.0.1:%d"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(upstream.actualPort());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
    List<HttpMethod> methods = List.of(HttpMethod.GET, HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE);
    for (HttpMethod m : methods) {
      HttpResult r = HttpResult.send(client, new RequestOptions().setMethod(m).setHost("127.0.0.1").setPort(port)
          .setURI("/x"), null);
      assertThat(r.status()).as(m + ": " + r).isEqualTo(200);
    }
    // Every request after the first failed once on the reused connection and went again on a new one.
    assertThat(connections.get()).isEqualTo(methods.size());
    assertThat(heads.get()).isEqualTo(2 * methods.size() - 1);
  }
}
