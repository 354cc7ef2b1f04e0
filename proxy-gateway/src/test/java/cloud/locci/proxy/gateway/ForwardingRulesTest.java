package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawClient;
import cloud.locci.proxy.core.testing.RawUpstream;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SPEC §4 forwarding rules, seen from real upstreams and raw clients. */
@ExtendWith(VertxExtension.class)
class ForwardingRulesTest {

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  /** A gateway with one catch-all route "all" to {@code servers}, plus route options and server options. */
  private int gateway(List<String> servers, String routeExtra, String serverExtra) {
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        %s
        upstreams:
          app:
            servers: [%s]
        api_gateway:
          routes:
            all:
              path_pattern: "^/"
              upstream: app
        %s
        control_api:
          enabled: false
        """.formatted(serverExtra.indent(2).stripTrailing(),
        String.join(", ", servers.stream().map(s -> "\"" + s + "\"").toList()),
        routeExtra.indent(6).stripTrailing());
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1).await().port();
  }

  private int gateway(String server) {
    return gateway(List.of(server), "", "");
  }

  @Test
  void hopByHopHeadersStayOnTheirSideAndForwardedHeadersAreSet() {
    RawUpstream upstream = RawUpstream.start(vertx, "HTTP/1.1 200 OK\r\n"
        + "Content-Length: 2\r\n"
        + "Connection: X-Internal\r\n"
        + "X-Internal: secret\r\n"
        + "Keep-Alive: timeout=5\r\n"
        + "Proxy-Authenticate: Basic\r\n"
        + "Trailer: X-Checksum\r\n"
        + "X-Kept: yes\r\n"
        + "\r\nok").await();
    // With h2c on, Vert.x itself answers an "Upgrade: h2c" on a connection's first request (it upgrades
    // a well-formed one to HTTP/2, and refuses one without HTTP2-Settings); here it must be a plain header.
    int port = gateway(List.of(upstream.address()), "", "h2c: false");

    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setPort(port).setHost("127.0.0.1")
        .setURI("/x")
        .putHeader("Host", "shop.example.com:8080")
        .putHeader("Connection", "keep-alive, X-Secret")
        .putHeader("X-Secret", "do-not-forward")
        .putHeader("Keep-Alive", "timeout=9")
        .putHeader("TE", "trailers")
        .putHeader("Trailer", "X-T")
        .putHeader("Proxy-Connection", "keep-alive")
        .putHeader("Proxy-Authorization", "Basic Zm9vOmJhcg==")
        .putHeader("Upgrade", "h2c")
        .putHeader("X-Forwarded-For", "10.0.0.1")
        .putHeader("X-Forwarded-Proto", "https")
        .putHeader("X-Forwarded-Host", "spoofed")
        .putHeader("X-End-To-End", "kept");
    HttpResult response = HttpResult.send(client, options, null);

    String head = upstream.heads().get(0).toLowerCase();
    assertThat(head).startsWith("get /x http/1.1\r\n");
    assertThat(head).contains("host: shop.example.com:8080\r\n", "x-end-to-end: kept\r\n",
        // an untrusted peer's X-Forwarded-For is replaced, not appended to (SPEC §15)
        "x-forwarded-for: 127.0.0.1\r\n", "x-forwarded-proto: http\r\n",
        "x-forwarded-host: shop.example.com:8080\r\n");
    assertThat(head).doesNotContain("x-secret", "keep-alive: timeout", "\r\nte:", "trailer:", "proxy-connection",
        "proxy-authorization", "upgrade", "spoofed", "10.0.0.1");
    assertThat(head).doesNotContain("x-forwarded-proto: https");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body().toString()).isEqualTo("ok");
    assertThat(response.header("X-Kept")).isEqualTo("yes");
    assertThat(response.headers().names()).doesNotContain("X-Internal", "x-internal", "Keep-Alive", "keep-alive",
        "Proxy-Authenticate", "proxy-authenticate", "Trailer", "trailer");
  }

  @Test
  void silentUpstreamGets504AfterTheRouteTimeout() {
    NetServer silent = vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1").await();
    int port = gateway(List.of("127.0.0.1:" + silent.actualPort()), "timeout_secs: 1", "");
    HttpResult r = HttpResult.get(client, port, "/slow");
    assertThat(r.status()).isEqualTo(504);
    assertThat(r.header("X-Locci-Reason")).isEqualTo("upstream_timeout");
    assertThat(r.json().getString("reason")).isEqualTo("upstream_timeout");
  }

  @Test
  void anUpstreamFallingSilentMidBodyIsCutAfterTheRouteTimeout() throws Exception {
    // The head and half the body, then nothing: timeout_secs is the longest silence between reads,
    // so the client's connection is cut (the head is gone, no 504 is possible) after about a second.
    NetServer stalling = vertx.createNetServer().connectHandler(socket -> socket.handler(b -> socket.write(
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"))).listen(0, "127.0.0.1").await();
    int port = gateway(List.of("127.0.0.1:" + stalling.actualPort()), "timeout_secs: 1", "");
    long started = System.nanoTime();
    RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port, "GET /stall HTTP/1.1\r\nHost: x\r\n\r\n", 10_000)
        .await();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.received()).endsWith("hello");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(900L, 5_000L);
  }

  @Test
  void aClientReadingSlowlyIsNotTheUpstreamFallingSilent() {
    // 32 MB fill every buffer between proxy and client while the client does not read for 2.5 s;
    // the upstream is paused by back-pressure then, which timeout_secs: 1 must not count.
    Buffer big = Buffer.buffer(new byte[32 * 1024 * 1024]);
    HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.response().end(big))
        .listen(0, "127.0.0.1").await();
    int port = gateway(List.of("127.0.0.1:" + upstream.actualPort()), "timeout_secs: 1", "");
    Buffer body = client.request(new RequestOptions().setPort(port).setHost("127.0.0.1").setURI("/big"))
        .compose(req -> req.send())
        .compose(resp -> {
          resp.pause();
          vertx.setTimer(2500, t -> resp.resume());
          return resp.body();
        })
        .await();
    assertThat(body.length()).isEqualTo(big.length());
  }

  @Test
  void upstreamClosingWithoutAnswerIs502Reset() {
    NetServer rude = vertx.createNetServer()
        .connectHandler(socket -> socket.handler(b -> socket.close()))
        .listen(0, "127.0.0.1").await();
    int port = gateway("127.0.0.1:" + rude.actualPort());
    HttpResult r = HttpResult.get(client, port, "/x");
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.header("X-Locci-Reason")).isEqualTo("upstream_reset");
  }

  @Test
  void retriesGoToTheNextServerForGetButNeverForPost() {
    // Reads the request, then closes without answering: a failure after the request was sent.
    NetServer rude = vertx.createNetServer()
        .connectHandler(socket -> socket.handler(b -> socket.close()))
        .listen(0, "127.0.0.1").await();
    EchoUpstream live = EchoUpstream.start(vertx, "live").await();
    // Round robin starts at the first server: the rude one.
    int port = gateway(List.of("127.0.0.1:" + rude.actualPort(), live.address()), "retries: 1", "");

    HttpResult get = HttpResult.get(client, port, "/a");
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.header("X-Upstream-Id")).isEqualTo("live");

    // The rotation is back on the rude server: a POST that was sent must not be sent again.
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setHost("127.0.0.1")
        .setURI("/a");
    HttpResult r = HttpResult.send(client, post, Buffer.buffer("payload"));
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.header("X-Locci-Reason")).isEqualTo("upstream_reset");
  }

  @Test
  void aConnectFailureFailsOverWhateverRetriesSaysButASentRequestIsNotRetriedWithoutThem() {
    NetServer closed = vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1").await();
    String dead = "127.0.0.1:" + closed.actualPort();
    closed.close().await();
    NetServer rude = vertx.createNetServer()
        .connectHandler(socket -> socket.handler(b -> socket.close()))
        .listen(0, "127.0.0.1").await();
    EchoUpstream live = EchoUpstream.start(vertx, "live").await();
    int port = gateway(List.of(dead, live.address()), "", "");
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setHost("127.0.0.1")
        .setURI("/a");
    for (int i = 0; i < 4; i++) {
      HttpResult r = HttpResult.send(client, post, Buffer.buffer("payload"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("X-Upstream-Id")).isEqualTo("live");
    }
    int noRetries = gateway(List.of("127.0.0.1:" + rude.actualPort()), "", "");
    assertThat(HttpResult.get(client, noRetries, "/a").status()).isEqualTo(502);
  }

  @Test
  void webSocketsAreProxiedBothWays() {
    HttpServer wsServer = vertx.createHttpServer()
        .webSocketHandler(ws -> ws.textMessageHandler(text -> ws.writeTextMessage("echo:" + text + ":" + ws.path())))
        .listen(0, "127.0.0.1").await();
    int port = gateway("127.0.0.1:" + wsServer.actualPort());

    WebSocketClient wsClient = vertx.createWebSocketClient();
    WebSocket ws = wsClient.connect(port, "127.0.0.1", "/chat/room1").await();
    Promise<String> first = Promise.promise();
    Promise<String> second = Promise.promise();
    ws.textMessageHandler(m -> {
      if (!first.tryComplete(m)) {
        second.tryComplete(m);
      }
    });
    ws.writeTextMessage("hello");
    assertThat(first.future().await()).isEqualTo("echo:hello:/chat/room1");
    ws.writeTextMessage("again");
    assertThat(second.future().await()).isEqualTo("echo:again:/chat/room1");
    ws.close().await();
    wsClient.close().await();
  }

  @Test
  void contentLengthWithTransferEncodingIs400AndClosed() {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    int port = gateway(echo.address());
    RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 5000).await();
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.received()).contains("X-Locci-Reason: bad_request", "\"reason\":\"bad_request\"");
  }

  @Test
  void differingDuplicateContentLengthsAre400AndClosed() {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    int port = gateway(echo.address());
    RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 5000).await();
    assertThat(r.status()).isEqualTo(400);
    RawClient.Exchange listed = RawClient.sendAndAwaitClose(vertx, port,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!", 5000).await();
    assertThat(listed.status()).isEqualTo(400);
  }

  @Test
  void transferEncodingOtherThanChunkedIs400AndClosed() {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    int port = gateway(echo.address());
    RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port,
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 5000).await();
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.received()).contains("only \\\"chunked\\\" is accepted");
  }

  @Test
  void invalidChunkFramingIs400AndClosed() {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    int port = gateway(echo.address());
    RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port,
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n", 5000).await();
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.received()).contains("invalid chunked body framing");
  }

  @Test
  void headNotReceivedInTimeIs408AndClosed() {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    // A connection's first head: with h2c on, Vert.x builds the HTTP/1 connection only once that head is
    // complete, and a head that never completes is closed without an answer (H2cListenerTest); from the
    // second head on (next test), or with h2c off, it is 408.
    int port = gateway(List.of(echo.address()), "", "header_timeout_secs: 1\nh2c: false");
    RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", 10_000)
        .await();
    assertThat(r.status()).isEqualTo(408);
    assertThat(r.received()).contains("X-Locci-Reason: header_timeout");
  }

  @Test
  void theHeadClockStartsAtEachHeadOfAKeepAliveConnection() throws Exception {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    int port = gateway(List.of(echo.address()), "", "header_timeout_secs: 1");
    NetClient client = vertx.createNetClient();
    try {
      NetSocket socket = client.connect(port, "127.0.0.1").await();
      Buffer received = Buffer.buffer();
      Promise<Void> firstAnswered = Promise.promise();
      Promise<Long> closedAt = Promise.promise();
      socket.handler(b -> {
        received.appendBuffer(b);
        if (received.toString().endsWith("}")) {
          firstAnswered.tryComplete();
        }
      });
      socket.closeHandler(v -> closedAt.tryComplete(System.nanoTime()));
      socket.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
      firstAnswered.future().await(5, TimeUnit.SECONDS);

      // The first head's timer is still pending; the second head, started 600 ms later, gets its own
      // full second before the 408 (the timer must not refuse it for the first head's time).
      vertx.timer(600).await();
      long started = System.nanoTime();
      socket.write("GET /second HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      long closed = closedAt.future().await(10, TimeUnit.SECONDS);

      assertThat(TimeUnit.NANOSECONDS.toMillis(closed - started)).isGreaterThanOrEqualTo(950);
      // The first answer, then the 408 right after its body.
      assertThat(received.toString()).startsWith("HTTP/1.1 200").contains("}HTTP/1.1 408")
          .contains("X-Locci-Reason: header_timeout");
    } finally {
      client.close().await();
    }
  }

  @Test
  void requestLineAndHeadersCountTogetherAgainstMaxHeaderSize() {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    int port = gateway(List.of(echo.address()), "", "max_header_size: 2048\nmax_request_line: 4096");
    // Each part fits its own Netty limit, together they exceed max_header_size.
    String uri = "/" + "u".repeat(1500);
    String header = "X-Big: " + "h".repeat(1000);
    RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port,
        "GET " + uri + " HTTP/1.1\r\nHost: x\r\n" + header + "\r\n\r\n", 5000).await();
    assertThat(r.status()).isEqualTo(431);
    assertThat(r.received()).contains("X-Locci-Reason: header_too_large");

    RawClient.Exchange line = RawClient.sendAndAwaitClose(vertx, port,
        "GET /" + "l".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 5000).await();
    assertThat(line.status()).isEqualTo(414);
    assertThat(line.received()).contains("X-Locci-Reason: uri_too_long");
  }

  @Test
  void aBadRequestDoesNotDisturbOtherClients() {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    int port = gateway(echo.address());
    RawClient.sendAndAwaitClose(vertx, port, "GARBAGE\r\n\r\n", 5000).await();
    assertThat(HttpResult.get(client, port, "/fine").status()).isEqualTo(200);
  }
}
