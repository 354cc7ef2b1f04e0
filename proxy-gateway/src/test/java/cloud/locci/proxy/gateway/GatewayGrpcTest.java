package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cloud.locci.proxy.core.log.AccessLog;
import cloud.locci.proxy.core.testing.ClosedPort;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.GrpcTestClient;
import cloud.locci.proxy.core.testing.GrpcTestServer;
import cloud.locci.proxy.core.testing.GrpcTestService;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.grpc.Status;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * SPEC §12 end to end: a real grpc-java client speaking h2c (prior knowledge) to the gateway's plain
 * listener, and a real grpc-java server behind it as an h2c upstream. Every kind of call, statuses and
 * trailers relayed, deadlines, and the proxy's own statuses.
 */
@ExtendWith(VertxExtension.class)
class GatewayGrpcTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private static Vertx vertx;
  private static GrpcTestServer server;
  private static int port;
  private static GrpcTestClient client;
  private static final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  @BeforeAll
  static void setUp(Vertx v) {
    vertx = v;
    server = GrpcTestServer.start("g1");
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          grpc: { servers: ["%s"], protocol: h2c }
          down: { servers: ["127.0.0.1:%d"], protocol: h2c }
        api_gateway:
          routes:
            echo: { path_pattern: "^/locci\\\\.test\\\\.Echo/", upstream: grpc, timeout_secs: 60 }
            down: { path_pattern: "^/locci\\\\.test\\\\.Down/", upstream: down }
            secured: { path_pattern: "^/locci\\\\.test\\\\.Secured/", upstream: grpc, middlewares: [auth] }
          middlewares:
            auth: { type: authentication, jwt_secret: "%s" }
        control_api: { enabled: false }
        """.formatted(server.address(), ClosedPort.find(), SECRET);
    lines.start();
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(lines);
    port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 2, new AccessLog()).await().port();
    client = GrpcTestClient.plaintext(port);
  }

  @AfterAll
  static void tearDown() {
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).detachAppender(lines);
    client.close();
    server.close();
  }

  @Test
  void unaryCallGoesThroughWithHeadersAndTrailers() {
    GrpcTestClient.Result r = client.unary(GrpcTestService.UNARY, "hello");
    assertThat(r.single()).isEqualTo("g1:hello");
    assertThat(r.headers().get(GrpcTestServer.SERVER_ID)).isEqualTo("g1");
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), "an access line",
        () -> lines.list.stream().anyMatch(e -> e.getFormattedMessage().contains("/locci.test.Echo/Unary "))).await();
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
        .filteredOn(m -> m.contains("/locci.test.Echo/Unary "))
        .first().asString()
        .contains("\"POST /locci.test.Echo/Unary HTTP/2.0\" 200 ", " route=echo upstream=grpc ",
            " client_protocol=h2c upstream_protocol=h2c ", " reason=- ");
  }

  @Test
  void serverStreamingDeliversEveryMessage() {
    GrpcTestClient.Result r = client.unary(GrpcTestService.SERVER_STREAM, "200");
    assertThat(r.status().isOk()).as(r.status().toString()).isTrue();
    assertThat(r.messages()).hasSize(200).startsWith("item-0", "item-1").endsWith("item-199");
  }

  @Test
  void clientStreamingSendsEveryMessage() {
    List<String> parts = IntStream.range(0, 100).mapToObj(i -> "p" + i).toList();
    assertThat(client.call(GrpcTestService.CLIENT_STREAM, parts, null, Map.of()).single())
        .isEqualTo(String.join(",", parts));
  }

  @Test
  void bidiStreamingIsAPingPongNothingWaitsForTheEnd() {
    GrpcTestClient.Call call = client.open(GrpcTestService.BIDI, null, Map.of());
    for (int i = 0; i < 5; i++) {
      call.send("m" + i);
      // The answer to each message arrives before the next is sent: neither direction is buffered.
      assertThat(call.next()).isEqualTo("echo:m" + i);
    }
    call.halfClose();
    assertThat(call.result().status().isOk()).isTrue();
  }

  @Test
  void anErrorStatusFromTheServerIsRelayedWithItsMessage() {
    GrpcTestClient.Result r = client.unary(GrpcTestService.FAIL, "5:no such thing: 100% é");
    assertThat(r.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(r.description()).isEqualTo("no such thing: 100% é");
    assertThat(r.header("x-locci-reason")).isNull();
  }

  @Test
  void aClientDeadlineEndsTheCallAndTheServerSeesItCancelled() throws Exception {
    int before = server.cancelled();
    // The channel is connected first: a loaded machine can spend a short deadline on connecting alone.
    assertThat(client.unary(GrpcTestService.UNARY, "warm").status().isOk()).isTrue();
    GrpcTestClient.Result r = client.call(GrpcTestService.SLOW, List.of("20000"), Duration.ofSeconds(2), Map.of());
    assertThat(server.calls(GrpcTestService.SLOW)).as("the call reached the server").isPositive();
    assertThat(r.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    // The client's RST_STREAM, or the proxy's own end of the call at grpc-timeout, reaches the server.
    assertThat(server.awaitCancelled(before + 1, Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void theProxyEndsACallAtItsGrpcTimeoutAndCancelsItUpstream() throws Exception {
    int before = server.cancelled();
    HttpClient h2c = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    try {
      byte[] message = "10000".getBytes(StandardCharsets.UTF_8);
      HttpClientResponse response = h2c.request(new RequestOptions().setMethod(HttpMethod.POST)
              .setHost("127.0.0.1").setPort(port).setURI(GrpcTestService.path(GrpcTestService.SLOW))
              .putHeader("content-type", "application/grpc").putHeader("te", "trailers")
              .putHeader("grpc-timeout", "300m"))
          .compose(req -> req.send(Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message)))
          .await();
      response.body().await();
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("grpc-status")).isEqualTo("4");
      assertThat(response.getHeader("x-locci-reason")).isEqualTo("upstream_timeout");
    } finally {
      h2c.close().await();
    }
    assertThat(server.awaitCancelled(before + 1, Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void noRouteIsUnimplemented() {
    GrpcTestClient.Result r = client.unary(GrpcTestService.method("locci.test.Nothing/Here"), "x");
    assertThat(r.code()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(r.header("x-locci-reason")).isEqualTo("route_not_found");
  }

  @Test
  void upstreamDownIsUnavailable() {
    GrpcTestClient.Result r = client.unary(GrpcTestService.method("locci.test.Down/Call"), "x");
    assertThat(r.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(r.header("x-locci-reason")).isIn("upstream_refused", "no_healthy_upstream");
  }

  @Test
  void missingCredentialsAreUnauthenticated() {
    GrpcTestClient.Result r = client.unary(GrpcTestService.method("locci.test.Secured/Call"), "x");
    assertThat(r.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(r.header("x-locci-reason")).isEqualTo("unauthorized");
  }

  @Test
  void manyConcurrentCallsAllSucceed() {
    List<GrpcTestClient.Call> calls = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      GrpcTestClient.Call c = client.open(GrpcTestService.UNARY, null, Map.of());
      c.send("c" + i);
      c.halfClose();
      calls.add(c);
    }
    for (int i = 0; i < calls.size(); i++) {
      assertThat(calls.get(i).result().single()).isEqualTo("g1:c" + i);
    }
  }
}
