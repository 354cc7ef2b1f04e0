package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.forward.ExchangeListener;
import cloud.locci.proxy.core.testing.ClosedPort;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.Http2Upstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawClient;
import cloud.locci.proxy.core.testing.RawH2Client;
import cloud.locci.proxy.core.testing.RawH2Upstream;
import cloud.locci.proxy.core.testing.RawUpstream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SPEC §12: {@code upstreams.<name>.protocol: h2c | h2}. Any client protocol to any upstream protocol,
 * Host and :authority mapped, trailers relayed where the client can take them, and HTTP/2 upstream
 * connections shared by concurrent requests up to the server's SETTINGS_MAX_CONCURRENT_STREAMS.
 */
@ExtendWith(VertxExtension.class)
class Http2UpstreamTest {

  private Vertx vertx;
  private HttpClient http1;
  private HttpClientAgent h2c;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    http1 = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(128));
    h2c = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
  }

  @AfterEach
  void tearDown() {
    http1.close().await();
    h2c.close().await();
  }

  private int proxy(String servers, String upstreamExtra, ExchangeListener... listeners) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse("""
        mode: load_balancer
        server: {bind_address: "127.0.0.1:0"}
        upstreams:
          app: {servers: [%s]%s}
        load_balancer: {upstream: app}
        control_api: {enabled: false}
        """.formatted(servers, upstreamExtra)), LoadBalancerMode::new, 1, listeners).await().port();
  }

  private static String quoted(String address) {
    return "\"" + address + "\"";
  }

  /** One request through the proxy: status, headers, trailers and body, read on the event loop. */
  private record Answer(int status, HttpVersion version, MultiMap headers, MultiMap trailers, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }
  }

  private Answer send(HttpClient client, RequestOptions options, String body) {
    return client.request(options.setHost("127.0.0.1"))
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(r -> r.body().map(b -> new Answer(r.statusCode(), r.version(), r.headers(), r.trailers(), b)))
        .await();
  }

  @Test
  void anHttp1ClientReachesAnH2cUpstreamWithHostAsAuthority() {
    Http2Upstream upstream = Http2Upstream.h2c(vertx, 100).await();
    int port = proxy(quoted(upstream.address()), ", protocol: h2c");

    Answer a = send(http1, new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setURI("/up?x=1")
        .putHeader("Host", "shop.example.com").putHeader("Connection", "keep-alive, X-Drop")
        .putHeader("X-Drop", "1").putHeader("X-Kept", "2"), "twelve bytes");
    assertThat(a.status()).isEqualTo(200);
    JsonObject seen = a.json();
    assertThat(seen.getString("version")).isEqualTo("HTTP_2");
    assertThat(seen.getString("uri")).isEqualTo("/up?x=1");
    assertThat(seen.getString("authority")).isEqualTo("shop.example.com");
    assertThat(seen.getLong("bodyLength")).isEqualTo(12);
    JsonObject headers = seen.getJsonObject("headers");
    assertThat(headers.containsKey("connection")).isFalse();
    assertThat(headers.containsKey("x-drop")).isFalse();
    assertThat(headers.containsKey("host")).isFalse();
    assertThat(headers.getJsonArray("x-kept").getString(0)).isEqualTo("2");
    assertThat(headers.getJsonArray("x-forwarded-host").getString(0)).isEqualTo("shop.example.com");
  }

  @Test
  void anH2UpstreamIsReachedOverTlsWithAlpn() {
    Http2Upstream upstream = Http2Upstream.h2(vertx, 100).await();
    // A generous connect timeout: the first TLS client context is built on the event loop, which took
    // seconds on a loaded CI machine.
    int port = proxy(quoted(upstream.address()), ", protocol: h2, tls: true, tls_verify: false, connect_timeout_secs: 30");

    Answer fromHttp1 = send(http1, new RequestOptions().setPort(port).setURI("/tls"), null);
    assertThat(fromHttp1.status()).isEqualTo(200);
    assertThat(fromHttp1.json().getString("version")).isEqualTo("HTTP_2");
    assertThat(fromHttp1.json().getBoolean("ssl")).isTrue();

    Answer fromH2c = send(h2c, new RequestOptions().setMethod(HttpMethod.PUT).setPort(port).setURI("/tls2"),
        "a PUT body from an h2c client");
    assertThat(fromH2c.status()).isEqualTo(200);
    assertThat(fromH2c.version()).isEqualTo(HttpVersion.HTTP_2);
    assertThat(fromH2c.json().getString("version")).isEqualTo("HTTP_2");
    assertThat(fromH2c.json().getLong("bodyLength")).isEqualTo(29);
  }

  @Test
  void trailersReachHttp2ClientsAndHttp1ClientsThatAskForThem() {
    Http2Upstream upstream = Http2Upstream.h2c(vertx, 100).await();
    int port = proxy(quoted(upstream.address()), ", protocol: h2c");
    RequestOptions withTrailers = new RequestOptions().setPort(port).setURI("/t")
        .addHeader("x-trailer", "grpc-status=0").addHeader("x-trailer", "x-checksum=abc")
        .addHeader("x-trailer", "content-length=99");

    Answer h2 = send(h2c, new RequestOptions(withTrailers), null);
    assertThat(h2.status()).isEqualTo(200);
    assertThat(h2.trailers().get("grpc-status")).isEqualTo("0");
    assertThat(h2.trailers().get("x-checksum")).isEqualTo("abc");
    assertThat(h2.trailers().contains("content-length")).as("framing never travels as a trailer").isFalse();

    Answer asked = send(http1, new RequestOptions(withTrailers).putHeader("TE", "trailers"), null);
    assertThat(asked.status()).isEqualTo(200);
    assertThat(asked.headers().get("transfer-encoding")).isEqualTo("chunked");
    assertThat(asked.trailers().get("x-checksum")).isEqualTo("abc");
    // SPEC §12: TE: trailers, the one TE value HTTP/2 allows, goes on to an HTTP/2 upstream (gRPC servers
    // require it); this client does take trailers. Other TE values stay hop-by-hop.
    assertThat(asked.json().getJsonObject("headers").getJsonArray("te").getList()).containsExactly("trailers");

    Answer notAsked = send(http1, new RequestOptions(withTrailers), null);
    assertThat(notAsked.status()).isEqualTo(200);
    assertThat(notAsked.trailers().isEmpty()).as("dropped, not merged").isTrue();
    assertThat(notAsked.headers().contains("x-checksum")).isFalse();
    assertThat(notAsked.headers().contains("grpc-status")).isFalse();
  }

  @Test
  void aChunkedHttp1UpstreamsTrailersReachHttp2Clients() throws Exception {
    RawUpstream upstream = RawUpstream.start(vertx, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
        + "Trailer: X-Checksum\r\n\r\n2\r\nok\r\n0\r\nX-Checksum: c0ffee\r\n\r\n").await();
    int port = proxy(quoted(upstream.address()), "");
    try (RawH2Client client = RawH2Client.connectCleartext(port)) {
      RawH2Client.Response r = client.get("/chunked", List.of());
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("ok");
      assertThat(r.trailers().get("x-checksum")).hasToString("c0ffee");
      assertThat(r.headers().contains("trailer")).isFalse();
    }
  }

  @Test
  void aWebSocketToAnH2cUpstreamIsTunnelledOverHttp1ToTheSameServer() {
    // A server that speaks h2c with prior knowledge and HTTP/1.1 on one port, as most h2c servers do.
    HttpServer both = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
        .requestHandler(req -> req.response().end("http " + req.version()))
        .webSocketHandler(ws -> ws.handler(b -> ws.writeTextMessage("echo " + b)))
        .listen(0, "127.0.0.1").await();
    List<String> logged = new CopyOnWriteArrayList<>();
    int port = proxy(quoted("127.0.0.1:" + both.actualPort()), ", protocol: h2c",
        e -> logged.add(e.request().path() + " " + e.upstreamProtocol()));
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      String echoed = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws"))
          .compose(ws -> {
            Promise<String> first = Promise.promise();
            ws.textMessageHandler(first::tryComplete);
            ws.writeTextMessage("hi");
            return first.future().eventually(ws::close);
          }).timeout(10, TimeUnit.SECONDS).await();
      assertThat(echoed).isEqualTo("echo hi");
      // Plain requests to the same upstream still go as HTTP/2 streams.
      assertThat(send(http1, new RequestOptions().setPort(port).setURI("/plain"), null).body()).hasToString("http HTTP_2");
      // The access log and metrics name the protocol each exchange really spoke upstream.
      Eventually.untilTrue(vertx, Duration.ofSeconds(10), "both exchanges finished", () -> logged.size() == 2).await();
      assertThat(logged).containsExactlyInAnyOrder("/ws http1", "/plain h2c");
    } finally {
      client.close().await();
      both.close().await();
    }
  }

  @Test
  void aWebSocketToAnHttp2OnlyUpstreamIs502() throws Exception {
    try (RawH2Upstream h2only = RawH2Upstream.start()) {
      int port = proxy(quoted(h2only.address()), ", protocol: h2c");
      WebSocketClient client = vertx.createWebSocketClient();
      try {
        Throwable failure = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
                .setURI("/ws")).map(ws -> (Throwable) null).otherwise(t -> t).timeout(10, TimeUnit.SECONDS).await();
        assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
        assertThat(((UpgradeRejectedException) failure).getStatus()).isEqualTo(502);
      } finally {
        client.close().await();
      }
    }
  }

  @Test
  void hundredConcurrentRequestsShareAHandfulOfUpstreamConnections() {
    // 40 streams per connection: 100 requests open at once need at least 3 connections, and get few more.
    Http2Upstream upstream = Http2Upstream.h2c(vertx, 40).await().holdUntil(100);
    int port = proxy(quoted(upstream.address()), ", protocol: h2c");

    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(http1.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/m" + i))
          .compose(req -> req.send()).compose(r -> r.body().map(b -> r.statusCode())));
    }
    Future.all(all).await();
    assertThat(all).allSatisfy(f -> assertThat(f.result()).isEqualTo(200));
    assertThat(upstream.mostOpen()).as("requests open at the upstream at once").isEqualTo(100);
    assertThat(upstream.connections()).as("upstream connections for 100 concurrent requests").isBetween(3, 4);
  }

  @Test
  void maxConnectionsPerServerBoundsHttp2ConnectionsAndRequestsWaitForAStream() {
    Http2Upstream upstream = Http2Upstream.h2c(vertx, 5).await();
    int port = proxy(quoted(upstream.address()), ", protocol: h2c, max_connections_per_server: 2");

    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      all.add(http1.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/w" + i))
          .compose(req -> req.send()).compose(r -> r.body().map(b -> r.statusCode())));
    }
    Future.all(all).await();
    assertThat(all).allSatisfy(f -> assertThat(f.result()).isEqualTo(200));
    assertThat(upstream.connections()).isLessThanOrEqualTo(2);
    assertThat(upstream.mostOpen()).isLessThanOrEqualTo(10);
  }

  @Test
  void aRefusedH2cServerFailsOverToTheNextOne() {
    Http2Upstream upstream = Http2Upstream.h2c(vertx, 100).await();
    int port = proxy(quoted("127.0.0.1:" + ClosedPort.find()) + ", " + quoted(upstream.address()),
        ", protocol: h2c");
    for (int i = 0; i < 4; i++) {
      Answer a = send(h2c, new RequestOptions().setPort(port).setURI("/f" + i), null);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.json().getString("version")).isEqualTo("HTTP_2");
    }
  }

  @Test
  void anHttp1ClientsBodilessRequestToAnH2UpstreamAndBackStaysHttp1() {
    Http2Upstream upstream = Http2Upstream.h2c(vertx, 100).await();
    int port = proxy(quoted(upstream.address()), ", protocol: h2c");
    RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port,
        "GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000).await();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.received()).contains("\"version\":\"HTTP_2\"");
  }

  @Test
  void healthChecksOfAnHttp2UpstreamSpeakHttp2() {
    Http2Upstream good = Http2Upstream.h2c(vertx, 100).await();
    Http2Upstream failing = Http2Upstream.h2c(vertx, 100).await().healthStatus(503);
    int port = proxy(quoted(good.address()) + ", " + quoted(failing.address()),
        ", protocol: h2c, health_check: {path: /health, interval_secs: 1, timeout_secs: 5}");
    // The failing one leaves the rotation after its first check; the good one (which answers 505 to an
    // HTTP/1.1 check) stays in it.
    Eventually.until(vertx, Duration.ofSeconds(10), "only the healthy server in rotation", () -> {
      List<Future<Integer>> ports = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ports.add(http1.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/h"))
            .compose(req -> req.send()).compose(r -> r.body()).map(b -> b.toJsonObject().getInteger("port")));
      }
      return Future.all(ports).map(all -> ports.stream().allMatch(p -> p.result() == good.port()));
    }).await();
    assertThat(send(http1, new RequestOptions().setPort(port).setURI("/h"), null).status()).isEqualTo(200);
  }

  @Test
  void aResetStreamIs502AndTheConnectionsOtherStreamsGoOn() {
    Http2Upstream upstream = Http2Upstream.h2c(vertx, 100).await();
    int port = proxy(quoted(upstream.address()), ", protocol: h2c");
    Answer ok = send(http1, new RequestOptions().setPort(port).setURI("/before"), null);
    assertThat(ok.status()).isEqualTo(200);
    Answer reset = send(http1, new RequestOptions().setPort(port).setURI("/reset"), null);
    assertThat(reset.status()).isEqualTo(502);
    assertThat(reset.headers().get("x-locci-reason")).isEqualTo("upstream_reset");
    Answer after = send(http1, new RequestOptions().setPort(port).setURI("/after"), null);
    assertThat(after.status()).isEqualTo(200);
    assertThat(upstream.connections()).as("the reset took no connection down").isEqualTo(1);
  }

  @Test
  void aRefusingH2cServerIsEjectedPassively() {
    Http2Upstream upstream = Http2Upstream.h2c(vertx, 100).await();
    String closed = "127.0.0.1:" + ClosedPort.find();
    int port = proxy(quoted(upstream.address()) + ", " + quoted(closed),
        ", protocol: h2c, passive: {max_fails: 1, fail_timeout_secs: 60}");
    for (int i = 0; i < 4; i++) {
      assertThat(send(h2c, new RequestOptions().setPort(port).setURI("/p" + i), null).status()).isEqualTo(200);
    }
    assertThat(UpstreamRegistry.of(vertx).passive("app", ServerAddress.parse(closed)).ejected()).isTrue();
  }
}
