package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawClient;
import cloud.locci.proxy.core.testing.TestTokens;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the proxy allows a client (SPEC §15 "Client bodies", nginx's keepalive_timeout): a stalled body is
 * 408 and never the server's fault, max_body_size is 413, 100 Continue only after the middlewares, and
 * the idle timeout counts only between requests.
 */
@ExtendWith(VertxExtension.class)
class ClientSideLimitsTest {

  private static final String SECRET = "0123456789abcdef0123456789abcdef-client-limits";

  private Vertx vertx;
  private HttpClient client;
  private EchoUpstream echo;
  private final AtomicInteger upstreamRequests = new AtomicInteger();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    echo = EchoUpstream.start(vertx, "echo").await();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private int deploy(String server, String upstream, String lbExtra) {
    String yaml = """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
          workers: 1
        %s
        upstreams:
          app:
            servers: ["%s"]
            passive: { max_fails: 1, fail_timeout_secs: 60 }
        load_balancer:
          upstream: app
        %s
        middlewares:
          auth:
            type: authentication
            jwt_secret: "%s"
        control_api: { enabled: false }
        """.formatted(server.indent(2).stripTrailing(), upstream, lbExtra.indent(2).stripTrailing(), SECRET);
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
  }

  @Test
  void aClientThatStopsSendingItsBodyGets408AndTheServerIsNotBlamed() {
    int port = deploy("body_timeout_secs: 1", echo.address(), "");
    RawClient.Exchange stalled = RawClient.sendAndAwaitClose(vertx, port,
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of it", 10_000).await();
    assertThat(stalled.status()).as(stalled.received()).isEqualTo(408);
    assertThat(stalled.received()).contains("X-Locci-Reason: client_timeout").contains("\"client_timeout\"");
    // passive max_fails 1: had the stall counted against the server, it would be out now (503).
    assertThat(UpstreamRegistry.of(vertx).passive("app", ServerAddress.parse(echo.address())).failures()).isZero();
    assertThat(HttpResult.get(client, port, "/after").status()).isEqualTo(200);
  }

  @Test
  void aStalledBodyAfterTheResponseStartedClosesBothConnections() {
    io.vertx.core.Promise<Void> upstreamClosed = io.vertx.core.Promise.promise();
    // Answers at once, before the request body is over, and keeps the response open.
    HttpServer eager = vertx.createHttpServer()
        .requestHandler(req -> {
          req.connection().closeHandler(v -> upstreamClosed.tryComplete());
          req.response().setChunked(true).write("started");
        })
        .listen(0, "127.0.0.1").await();
    int port = deploy("body_timeout_secs: 1", "127.0.0.1:" + eager.actualPort(), "");
    RawClient.Exchange cut = RawClient.sendAndAwaitClose(vertx, port,
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of it", 10_000).await();
    assertThat(cut.status()).as(cut.received()).isEqualTo(200);
    assertThat(cut.received()).contains("started").doesNotContain("client_timeout");
    cloud.locci.proxy.core.testing.Eventually.untilTrue(vertx, java.time.Duration.ofSeconds(5),
        "the upstream connection closed", () -> upstreamClosed.future().isComplete()).await();
    assertThat(UpstreamRegistry.of(vertx).passive("app", ServerAddress.parse("127.0.0.1:" + eager.actualPort()))
        .failures()).isZero();
  }

  @Test
  void aDeclaredBodyOverMaxBodySizeIs413BeforeAnythingIsForwarded() {
    int port = deploy("max_body_size: 10", counting(), "");
    RawClient.Exchange big = RawClient.sendAndAwaitClose(vertx, port,
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n0123456789A", 10_000).await();
    assertThat(big.status()).as(big.received()).isEqualTo(413);
    assertThat(big.received()).contains("X-Locci-Reason: body_too_large");
    assertThat(upstreamRequests.get()).isZero();
    HttpResult small = HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(port).setURI("/ok"), io.vertx.core.buffer.Buffer.buffer("0123456789"));
    assertThat(small.status()).isEqualTo(200);
  }

  @Test
  void aChunkedBodyGrowingOverMaxBodySizeIs413MidStream() {
    int port = deploy("max_body_size: 10", echo.address(), "");
    RawClient.Exchange big = RawClient.sendAndAwaitClose(vertx, port,
        "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\n5\r\nworld\r\n5\r\nagain\r\n0\r\n\r\n", 10_000).await();
    assertThat(big.status()).as(big.received()).isEqualTo(413);
    assertThat(big.received()).contains("X-Locci-Reason: body_too_large");
  }

  @Test
  void aRequestTheMiddlewaresRefuseNeverGets100Continue() {
    int port = deploy("", echo.address(), "middlewares: [auth]");
    RawClient.Exchange refused = RawClient.sendAndAwaitClose(vertx, port,
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", 10_000).await();
    assertThat(refused.received()).as("the first answer is the refusal").startsWith("HTTP/1.1 401");
    assertThat(refused.received()).doesNotContain("100 Continue");

    String token = TestTokens.hs256(vertx, SECRET).forSubject("alice");
    RawClient.Exchange accepted = RawClient.sendAndAwaitClose(vertx, port,
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n"
            + "Authorization: Bearer " + token + "\r\n\r\nhello", 10_000).await();
    assertThat(accepted.received()).startsWith("HTTP/1.1 100 Continue");
    assertThat(accepted.received()).contains("HTTP/1.1 200").contains("\"bodyLength\":5");
  }

  @Test
  void theIdleTimeoutDoesNotCutARequestInFlight() {
    HttpServer slow = vertx.createHttpServer()
        .requestHandler(req -> vertx.setTimer(2500, id -> req.response().end("late but fine")))
        .listen(0, "127.0.0.1").await();
    // idle_timeout_secs 1, the upstream answers after 2.5 s, within the 60 s route timeout.
    int port = deploy("idle_timeout_secs: 1", "127.0.0.1:" + slow.actualPort(), "");
    HttpResult r = HttpResult.get(client, port, "/slow");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().toString()).isEqualTo("late but fine");
  }

  @Test
  void anIdleConnectionIsClosedAfterTheIdleTimeout() {
    int port = deploy("idle_timeout_secs: 1", echo.address(), "");
    RawClient.Exchange idle = RawClient.sendAndAwaitClose(vertx, port,
        "GET /x HTTP/1.1\r\nHost: x\r\n\r\n", 10_000).await();
    assertThat(idle.status()).isEqualTo(200);
  }

  private String counting() {
    HttpServer s = vertx.createHttpServer()
        .requestHandler(req -> {
          upstreamRequests.incrementAndGet();
          req.response().end("counted");
        })
        .listen(0, "127.0.0.1").await();
    return "127.0.0.1:" + s.actualPort();
  }
}
