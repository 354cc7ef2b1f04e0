package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.PoolOptions;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The proxy's own keep-alive pools of upstream connections: reuse, Connection: close, limits, tunnels. */
@ExtendWith(VertxExtension.class)
class UpstreamConnectionsTest {

  private Vertx vertx;
  private HttpClient client;
  private final AtomicInteger connections = new AtomicInteger();
  private final ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
  private final List<Promise<Void>> arrivals = new ArrayList<>();
  private HttpServer upstream;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(8));
    upstream = vertx.createHttpServer()
        .connectionHandler(c -> connections.incrementAndGet())
        .webSocketHandler(ws -> ws.textMessageHandler(ws::writeTextMessage))
        .requestHandler(req -> {
          switch (req.path()) {
            case "/close" -> req.response().putHeader("Connection", "close").end("bye");
            case "/hold" -> {
              held.add(req);
              synchronized (arrivals) {
                arrivals.forEach(p -> p.tryComplete());
              }
            }
            default -> req.response().end("ok");
          }
        })
        .listen(0, "127.0.0.1").await();
  }

  private int deploy(String upstreamExtra) {
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0", workers: 1 }
        upstreams:
          app:
            servers: ["127.0.0.1:%d"]
        %s
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(upstream.actualPort(), upstreamExtra.indent(4).stripTrailing());
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
  }

  private Future<HttpResult> get(int port, String path) {
    return HttpResult.fetch(client, new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(path), null);
  }

  private Future<Void> nextArrival() {
    Promise<Void> p = Promise.promise();
    synchronized (arrivals) {
      arrivals.clear();
      arrivals.add(p);
    }
    return p.future();
  }

  @Test
  void sequentialRequestsReuseOneUpstreamConnection() {
    int port = deploy("");
    for (int i = 0; i < 20; i++) {
      assertThat(get(port, "/x").await().status()).isEqualTo(200);
    }
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void aConnectionTheUpstreamClosesIsNotReused() {
    int port = deploy("");
    for (int i = 0; i < 3; i++) {
      assertThat(get(port, "/close").await().body().toString()).isEqualTo("bye");
    }
    assertThat(get(port, "/x").await().status()).isEqualTo(200);
    assertThat(connections.get()).isEqualTo(4);
  }

  @Test
  void atMostMaxConnectionsAreOpenAndTheNextRequestWaitsForOne() {
    int port = deploy("max_connections_per_server: 1");
    Future<Void> first = nextArrival();
    Future<HttpResult> held1 = get(port, "/hold");
    first.await();
    // The only connection is busy: this one must wait for it, not open a second connection.
    Future<Void> second = nextArrival();
    Future<HttpResult> queued = get(port, "/hold");
    held.poll().response().end("first");
    assertThat(held1.await().body().toString()).isEqualTo("first");
    second.await();
    held.poll().response().end("second");
    assertThat(queued.await().body().toString()).isEqualTo("second");
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void waitingLongerThanTheConnectTimeoutIs504() {
    int port = deploy("max_connections_per_server: 1\nconnect_timeout_secs: 1");
    Future<Void> first = nextArrival();
    Future<HttpResult> busy = get(port, "/hold");
    first.await();
    HttpResult waited = get(port, "/x").await();
    assertThat(waited.status()).isEqualTo(504);
    assertThat(waited.header("X-Locci-Reason")).isEqualTo("upstream_timeout");
    held.poll().response().end("done");
    assertThat(busy.await().status()).isEqualTo(200);
  }

  @Test
  void aWebSocketTunnelLeavesThePoolAndFreesItsSlot() {
    int port = deploy("max_connections_per_server: 1");
    WebSocketClient wsClient = vertx.createWebSocketClient();
    WebSocket ws = wsClient.connect(port, "127.0.0.1", "/ws").await();
    Promise<String> echo = Promise.promise();
    ws.textMessageHandler(echo::tryComplete);
    ws.writeTextMessage("hi");
    assertThat(echo.future().await()).isEqualTo("hi");
    // The tunnel still runs, and ordinary requests still get a connection of their own.
    for (int i = 0; i < 3; i++) {
      assertThat(get(port, "/x").await().status()).isEqualTo(200);
    }
    ws.close().await();
    wsClient.close().await();
  }

  @Test
  void aTunnelIsClosedAfterIdleTimeoutWithoutTrafficButNotWhileBusy() {
    // deploy() puts extra keys under the upstream; this test needs server.idle_timeout_secs.
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0", workers: 1, idle_timeout_secs: 1 }
        upstreams:
          app: { servers: ["127.0.0.1:%d"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(upstream.actualPort());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
    WebSocketClient wsClient = vertx.createWebSocketClient();
    WebSocket busy = wsClient.connect(port, "127.0.0.1", "/ws").await();
    AtomicInteger echoes = new AtomicInteger();
    busy.textMessageHandler(m -> echoes.incrementAndGet());
    Promise<Void> busyClosed = Promise.promise();
    busy.closeHandler(v -> busyClosed.tryComplete());
    // A message every 300 ms for 2.5 s: never 1 s without traffic.
    long ticker = vertx.setPeriodic(300, id -> busy.writeTextMessage("ping"));
    cloud.locci.proxy.core.testing.Eventually.untilTrue(vertx, java.time.Duration.ofSeconds(10), "8 echoes",
        () -> echoes.get() >= 8).await();
    vertx.cancelTimer(ticker);
    assertThat(busyClosed.future().isComplete()).as("a busy tunnel stays open").isFalse();
    // Now silent: closed by the proxy after about idle_timeout_secs.
    cloud.locci.proxy.core.testing.Eventually.untilTrue(vertx, java.time.Duration.ofSeconds(10),
        "the idle tunnel closed", () -> busyClosed.future().isComplete()).await();
    wsClient.close().await();
  }
}
