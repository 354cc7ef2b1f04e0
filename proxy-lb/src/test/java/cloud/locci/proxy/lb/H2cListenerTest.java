package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawClient;
import cloud.locci.proxy.core.testing.RawH2Client;
import cloud.locci.proxy.core.testing.RawUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SPEC §12: the plain listener speaks cleartext HTTP/2 with prior knowledge (h2c) beside HTTP/1.1, unless
 * {@code server.h2c: false}; HTTP/2's strictness and the head clock hold on it.
 */
@ExtendWith(VertxExtension.class)
class H2cListenerTest {

  private Vertx vertx;
  private HttpClientAgent h2;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
  }

  @AfterEach
  void tearDown() {
    h2.close().await();
  }

  private int proxy(String upstream, String serverExtra) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse("""
        mode: load_balancer
        server: {bind_address: "127.0.0.1:0"%s}
        upstreams:
          app: {servers: ["%s"]}
        load_balancer: {upstream: app}
        control_api: {enabled: false}
        """.formatted(serverExtra, upstream)), LoadBalancerMode::new, 1).await().port();
  }

  @Test
  void priorKnowledgeClientsAndHttp1ClientsShareThePlainListener() {
    EchoUpstream echo = EchoUpstream.start(vertx, "app").await();
    int port = proxy(echo.address(), "");

    HttpClientResponse[] response = new HttpClientResponse[1];
    JsonObject body = h2.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
            .setPort(port).setURI("/h2?q=1"))
        .compose(req -> req.send(Buffer.buffer("hello over h2c")))
        .compose(r -> {
          response[0] = r;
          return r.body();
        }).await().toJsonObject();
    assertThat(response[0].version()).isEqualTo(HttpVersion.HTTP_2);
    assertThat(response[0].statusCode()).isEqualTo(200);
    assertThat(body.getString("uri")).isEqualTo("/h2?q=1");
    assertThat(body.getLong("bodyLength")).isEqualTo(14);
    // :authority became the upstream's Host.
    assertThat(body.getJsonObject("headers").getJsonArray("host").getString(0)).isEqualTo("127.0.0.1:" + port);

    RawClient.Exchange http1 = RawClient.sendAndAwaitClose(vertx, port,
        "GET /h1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000).await();
    assertThat(http1.status()).isEqualTo(200);
  }

  @Test
  void aBodilessHttp2RequestReachesAnHttp1UpstreamWithoutABody() throws Exception {
    RawUpstream upstream = RawUpstream.start(vertx, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await();
    int port = proxy(upstream.address(), "");
    try (RawH2Client client = RawH2Client.connectCleartext(port)) {
      RawH2Client.Response r = client.get("/nobody", List.of());
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("ok");
    }
    // One head, no chunked framing and no empty chunk after it (the client's HEADERS had END_STREAM).
    assertThat(upstream.heads()).hasSize(1);
    assertThat(upstream.heads().get(0).toLowerCase()).startsWith("get /nobody http/1.1\r\n")
        .doesNotContain("transfer-encoding");
  }

  @Test
  void hygieneAppliesToH2cStreams() throws Exception {
    RawUpstream upstream = RawUpstream.start(vertx, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await();
    int port = proxy(upstream.address(), "");
    try (RawH2Client client = RawH2Client.connectCleartext(port)) {
      RawH2Client.Response space = client.get("/a b", List.of());
      assertThat(space.reset() || space.status() == 400).as("%s", space).isTrue();
      RawH2Client.Response twoHosts = client.get("/x", List.of(Map.entry("host", "a"), Map.entry("host", "b")));
      assertThat(twoHosts.reset() || twoHosts.status() == 400).as("%s", twoHosts).isTrue();
    }
    assertThat(upstream.heads()).isEmpty();
  }

  @Test
  void withH2cOffThePrefaceIsAnHttp1RequestAndRefused() {
    EchoUpstream echo = EchoUpstream.start(vertx, "app").await();
    int port = proxy(echo.address(), ", h2c: false");
    RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port,
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000", 5000).await();
    // Vert.x's HTTP/1 decoder answers the preface's "HTTP/2.0" request line itself (501) and closes.
    assertThat(r.received()).matches("(?s)^HTTP/\\d\\.\\d [45]\\d\\d .*");
  }

  @Test
  void aFirstHeadThatNeverCompletesGets408AsWithoutH2c() {
    EchoUpstream echo = EchoUpstream.start(vertx, "app").await();
    for (String h2c : List.of("", ", h2c: false")) {
      int port = proxy(echo.address(), ", header_timeout_secs: 1" + h2c);
      long started = System.nanoTime();
      RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ",
          10_000).await();
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(r.status()).as("h2c%s: %s", h2c, r.received()).isEqualTo(408);
      assertThat(r.received()).contains("X-Locci-Reason: header_timeout");
      assertThat(tookMs).isBetween(900L, 8000L);
    }
    // A first head dribbled a byte at a time is still one head on one clock.
    int port = proxy(echo.address(), ", header_timeout_secs: 1");
    RawClient.Exchange oneByte = RawClient.sendAndAwaitClose(vertx, port, "G", 10_000).await();
    assertThat(oneByte.status()).as(oneByte.received()).isEqualTo(408);
  }

  @Test
  void aSilentConnectionOrAStalledPrefaceIsClosedWithoutAnAnswer() {
    EchoUpstream echo = EchoUpstream.start(vertx, "app").await();
    int port = proxy(echo.address(), ", header_timeout_secs: 1");
    RawClient.Exchange silent = RawClient.sendAndAwaitClose(vertx, port, "", 10_000).await();
    assertThat(silent.received()).isEmpty();
    RawClient.Exchange preface = RawClient.sendAndAwaitClose(vertx, port, "PRI * HTTP/2.0\r\n", 10_000).await();
    assertThat(preface.received()).isEmpty();
  }

  @Test
  void anUpgradeToH2cIsIgnoredAndAnsweredOverHttp1() {
    EchoUpstream echo = EchoUpstream.start(vertx, "app").await();
    int port = proxy(echo.address(), "");
    // A well-formed offer (what curl --http2 sends on http://): answered over HTTP/1.1, not 101.
    RawClient.Exchange offer = RawClient.sendAndAwaitClose(vertx, port, "GET /up HTTP/1.1\r\nHost: x\r\n"
        + "Connection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
        5000).await();
    assertThat(offer.status()).as(offer.received()).isEqualTo(200);
    String body = offer.received().substring(offer.received().indexOf("\r\n\r\n") + 4);
    JsonObject headers = new JsonObject(body).getJsonObject("headers");
    assertThat(headers.containsKey("upgrade")).isFalse();
    assertThat(headers.containsKey("http2-settings")).isFalse();
    // One without HTTP2-Settings (Vert.x answered it 400) is an ordinary request too.
    RawClient.Exchange bare = RawClient.sendAndAwaitClose(vertx, port,
        "GET /bare HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: close\r\n\r\n", 5000).await();
    assertThat(bare.status()).as(bare.received()).isEqualTo(200);
  }
}
