package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.mirror.Mirrors;
import cloud.locci.proxy.core.testing.ClosedPort;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HoldingUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.PatternBody;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawH2Upstream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SPEC §11 {@code mirror}: a copy of a route's requests goes to another upstream, fire-and-forget. The
 * client's answer never waits for the copy, whatever the mirror does (holds, is down, resets), and the
 * outcome counts say what happened to each copy.
 */
@ExtendWith(VertxExtension.class)
class MirrorTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private Vertx vertx;
  private HttpClient client;
  private EchoUpstream app;

  /** A mirror upstream that records what it got and answers 200 with a body nobody reads. */
  static final class Recorder {
    final List<JsonObject> received = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    HttpServer server;

    static Recorder start(Vertx vertx) {
      Recorder r = new Recorder();
      r.server = vertx.createHttpServer()
          .connectionHandler(c -> r.connections.incrementAndGet())
          .requestHandler(req -> {
            MessageDigest sha = PatternBody.newSha256();
            long[] length = {0};
            req.handler(b -> {
              length[0] += b.length();
              sha.update(b.getBytes());
            });
            req.endHandler(v -> {
              JsonObject headers = new JsonObject();
              req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
              r.received.add(new JsonObject().put("method", req.method().name()).put("uri", req.uri())
                  .put("headers", headers).put("length", length[0])
                  .put("sha256", HexFormat.of().formatHex(sha.digest())));
              req.response().putHeader("content-type", "text/plain").end("discarded ".repeat(1000));
            });
          })
          .listen(0, "127.0.0.1").await();
      return r;
    }

    String address() {
      return "127.0.0.1:" + server.actualPort();
    }
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient();
    app = EchoUpstream.start(vertx, "app").await();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private static String yaml(String appAddress, String mirrorAddress, int percent) {
    return yaml(appAddress, mirrorAddress, percent, 30);
  }

  private static String yaml(String appAddress, String mirrorAddress, int percent, int timeoutSecs) {
    return """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["%s"]
          shadow:
            servers: ["%s"]
            connect_timeout_secs: 2
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: app
              strip_prefix: true
              timeout_secs: %d
              mirror:
                upstream: shadow
                percent: %d
            plain:
              path_pattern: "^/plain"
              upstream: app
        control_api:
          enabled: false
        """.formatted(appAddress, mirrorAddress, timeoutSecs, percent);
  }

  private ProxyDeployment deploy(String mirrorAddress, int percent, int instances) {
    return deploy(yaml(app.address(), mirrorAddress, percent), instances);
  }

  private ProxyDeployment deploy(String yaml, int instances) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, instances).await();
  }

  private HttpResult send(int port, HttpMethod method, String uri, Buffer body, String... headers) {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) {
      o.addHeader(headers[i], headers[i + 1]);
    }
    return HttpResult.send(client, o, body);
  }

  private Mirrors.Counts counts() {
    return Mirrors.of(vertx).counts("api");
  }

  private void awaitCounts(long sent, long failed, long skipped) {
    Eventually.untilTrue(vertx, WAIT, "mirror counts sent/failed/skipped = " + sent + "/" + failed + "/" + skipped,
        () -> counts().sent() == sent && counts().failed() == failed && counts().skipped() == skipped).await();
  }

  @Test
  void theCopyHasTheMethodForwardedPathHeadersAndBody() {
    Recorder shadow = Recorder.start(vertx);
    int port = deploy(shadow.address(), 100, 2).port();
    byte[] bytes = new byte[10_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    HttpResult r = send(port, HttpMethod.POST, "/api/orders?x=1", Buffer.buffer(bytes), "X-Custom", "yes",
        "Content-Type", "application/octet-stream");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-upstream-id")).isEqualTo("app");
    assertThat(r.json().getString("uri")).isEqualTo("/orders?x=1");

    Eventually.untilTrue(vertx, WAIT, "the copy arrived", () -> shadow.received.size() == 1).await();
    JsonObject copy = shadow.received.get(0);
    assertThat(copy.getString("method")).isEqualTo("POST");
    assertThat(copy.getString("uri")).as("the path as forwarded, after strip_prefix").isEqualTo("/orders?x=1");
    assertThat(copy.getJsonObject("headers").getString("x-custom")).isEqualTo("yes");
    assertThat(copy.getJsonObject("headers").getString("host")).isEqualTo("127.0.0.1:" + port);
    assertThat(copy.getJsonObject("headers").getString("x-forwarded-for")).isEqualTo("127.0.0.1");
    assertThat(copy.getLong("length")).isEqualTo(10_000L);
    assertThat(copy.getString("sha256")).isEqualTo(r.json().getString("bodySha256"));
    awaitCounts(1, 0, 0);

    // A GET without body, and a route without mirror.
    assertThat(send(port, HttpMethod.GET, "/api/items", null).status()).isEqualTo(200);
    assertThat(send(port, HttpMethod.GET, "/plain", null).status()).isEqualTo(200);
    Eventually.untilTrue(vertx, WAIT, "the second copy", () -> shadow.received.size() == 2).await();
    assertThat(shadow.received.get(1).getString("uri")).isEqualTo("/items");
    assertThat(shadow.received.get(1).getLong("length")).isZero();
    awaitCounts(2, 0, 0);
  }

  @Test
  void copiesToAnH2cMirrorGoAsHttp2Streams() throws Exception {
    // Netty's HTTP/2 frame codec, prior knowledge only: an HTTP/1.1 copy would never be recorded.
    try (RawH2Upstream shadow = RawH2Upstream.start()) {
      String yaml = yaml(app.address(), shadow.address(), 100)
          .replace("connect_timeout_secs: 2", "connect_timeout_secs: 2\n    protocol: h2c");
      int port = deploy(yaml, 1).port();
      for (int i = 0; i < 3; i++) {
        HttpResult r = send(port, HttpMethod.POST, "/api/h2/" + i, Buffer.buffer("copy " + i), "X-Custom", "yes");
        assertThat(r.status()).isEqualTo(200);
      }
      awaitCounts(3, 0, 0);
      assertThat(shadow.requests()).hasSize(3);
      RawH2Upstream.Request copy = shadow.requests().get(0);
      assertThat(copy.headers().method()).hasToString("POST");
      assertThat(copy.headers().path().toString()).startsWith("/h2/");
      assertThat(copy.headers().authority()).hasToString("127.0.0.1:" + port);
      assertThat(copy.headers().get("x-custom")).hasToString("yes");
      assertThat(copy.bodyLength()).isEqualTo(6);
    }
  }

  @Test
  void aMirrorThatHoldsEveryRequestDelaysNoAnswer() {
    HoldingUpstream shadow = HoldingUpstream.start(vertx, "shadow").await();
    int port = deploy(shadow.address(), 100, 1).port();
    for (int i = 0; i < 5; i++) {
      HttpResult r = send(port, HttpMethod.POST, "/api/x" + i, Buffer.buffer("payload " + i));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("x-upstream-id")).isEqualTo("app");
    }
    // Every client got its answer while all five copies sit unanswered at the mirror.
    shadow.arrived(5).await();
    assertThat(shadow.heldCount()).isEqualTo(5);
    assertThat(Mirrors.of(vertx).inFlight()).isEqualTo(5);
    assertThat(counts().sent()).isZero();
    shadow.releaseAll();
    awaitCounts(5, 0, 0);
    assertThat(Mirrors.of(vertx).inFlight()).isZero();
  }

  @Test
  void aMirrorThatIsDownChangesNothingForTheClient() {
    int port = deploy("127.0.0.1:" + ClosedPort.find(), 100, 2).port();
    for (int i = 0; i < 3; i++) {
      HttpResult r = send(port, HttpMethod.PUT, "/api/thing", Buffer.buffer("{}"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("x-upstream-id")).isEqualTo("app");
      assertThat(r.header("X-Locci-Reason")).isNull();
    }
    awaitCounts(0, 3, 0);
  }

  @Test
  void aMirrorThatResetsChangesNothingForTheClient() {
    NetServer resetting = vertx.createNetServer().connectHandler(socket -> socket.handler(b -> socket.close()))
        .listen(0, "127.0.0.1").await();
    int port = deploy("127.0.0.1:" + resetting.actualPort(), 100, 1).port();
    for (int i = 0; i < 3; i++) {
      assertThat(send(port, HttpMethod.POST, "/api/x", Buffer.buffer("abc")).status()).isEqualTo(200);
    }
    awaitCounts(0, 3, 0);
  }

  @Test
  void aMirrorThatNeverAnswersIsCutAtTheRouteTimeout() {
    // Accepts and reads, never answers: the copy fails after the route's timeout_secs (2 s), not before.
    NetServer silent = vertx.createNetServer().connectHandler(socket -> socket.handler(b -> { }))
        .listen(0, "127.0.0.1").await();
    int port = deploy(yaml(app.address(), "127.0.0.1:" + silent.actualPort(), 100, 2), 1).port();
    assertThat(send(port, HttpMethod.GET, "/api/x", null).status()).isEqualTo(200);
    // The client has its answer while the copy still waits for the mirror's.
    assertThat(Mirrors.of(vertx).inFlight()).isEqualTo(1);
    assertThat(counts().failed()).isZero();
    Eventually.untilTrue(vertx, Duration.ofSeconds(15), "the silent copy failed", () -> counts().failed() == 1)
        .await();
    assertThat(Mirrors.of(vertx).inFlight()).isZero();
  }

  @Test
  void bodiesOverOneMebibyteAreNotCopied() {
    Recorder shadow = Recorder.start(vertx);
    int port = deploy(shadow.address(), 100, 1).port();
    Buffer big = Buffer.buffer(new byte[2 * 1024 * 1024]);
    HttpResult declared = send(port, HttpMethod.POST, "/api/upload", big);
    assertThat(declared.json().getLong("bodyLength")).isEqualTo(2L * 1024 * 1024);
    awaitCounts(0, 0, 1);

    // Without Content-Length: the copy stops at the 1 MiB mark while the real upstream gets it all.
    Buffer chunked = Buffer.buffer(new byte[1024 * 1024 + 10]);
    JsonObject echo = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
            .setPort(port).setURI("/api/upload"))
        .compose(req -> {
          req.setChunked(true);
          Future<JsonObject> answer = req.response().compose(resp -> resp.body()).map(Buffer::toJsonObject);
          req.write(chunked.getBuffer(0, 600_000));
          req.end(chunked.getBuffer(600_000, chunked.length()));
          return answer;
        }).await();
    assertThat(echo.getLong("bodyLength")).isEqualTo((long) chunked.length());
    awaitCounts(0, 0, 2);
    // Exactly one MiB is still copied.
    assertThat(send(port, HttpMethod.POST, "/api/upload", Buffer.buffer(new byte[1024 * 1024])).status())
        .isEqualTo(200);
    awaitCounts(1, 0, 2);
    assertThat(shadow.received).hasSize(1);
    assertThat(shadow.received.get(0).getLong("length")).isEqualTo(1024L * 1024);
  }

  @Test
  void copiesBeyondTheInFlightLimitAreSkipped() {
    HoldingUpstream shadow = HoldingUpstream.start(vertx, "shadow").await();
    int port = deploy(shadow.address(), 100, 1).port();
    for (int i = 0; i < Mirrors.MAX_IN_FLIGHT + 3; i++) {
      assertThat(send(port, HttpMethod.GET, "/api/x", null).status()).isEqualTo(200);
    }
    awaitCounts(0, 0, 3);
    assertThat(Mirrors.of(vertx).inFlight()).isEqualTo(Mirrors.MAX_IN_FLIGHT);
    shadow.arrived(1).await();
    // Released in rounds: the held ones answer, the queued ones come in and are answered too.
    Eventually.untilTrue(vertx, Duration.ofSeconds(20), "every held copy answered", () -> {
      shadow.releaseAll();
      return counts().sent() == Mirrors.MAX_IN_FLIGHT;
    }).await();
    assertThat(Mirrors.of(vertx).inFlight()).isZero();
  }

  @Test
  void thirtyPercentIsExactlyThirtyOfAHundred() {
    Recorder shadow = Recorder.start(vertx);
    int port = deploy(shadow.address(), 30, 2).port();
    for (int i = 0; i < 100; i++) {
      assertThat(send(port, HttpMethod.GET, "/api/n" + i, null).status()).isEqualTo(200);
    }
    awaitCounts(30, 0, 0);
    assertThat(shadow.received).hasSize(30);
  }

  @Test
  void mirrorConnectionsAndSamplingSurviveAReload() {
    Recorder shadow = Recorder.start(vertx);
    ProxyDeployment proxy = deploy(shadow.address(), 50, 1);
    int port = proxy.port();
    for (int i = 0; i < 4; i++) {
      send(port, HttpMethod.GET, "/api/a", null);
    }
    awaitCounts(2, 0, 0);
    assertThat(shadow.connections.get()).isEqualTo(1);

    String next = yaml(app.address(), shadow.address(), 50).replace("    plain:\n",
        "    other:\n      path_pattern: \"^/other\"\n      upstream: app\n    plain:\n");
    assertThat(next).contains("^/other");
    proxy.configVerticle().apply(ProxyDeployment.parse(next), "test").await();
    Eventually.until(vertx, WAIT, "the new version serves /other", () -> HttpResult.fetch(client,
        new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/other"), null)
        .map(r -> r.status() == 200)).await();
    for (int i = 0; i < 4; i++) {
      send(port, HttpMethod.GET, "/api/b", null);
    }
    // The sampling went on where it was (2 more of 4), on the mirror connection opened before the reload.
    awaitCounts(4, 0, 0);
    assertThat(shadow.connections.get()).isEqualTo(1);
  }
}
