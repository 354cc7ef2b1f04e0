package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cloud.locci.proxy.core.grpc.GrpcRouteWarnings;
import cloud.locci.proxy.core.log.AccessLog;
import cloud.locci.proxy.core.testing.ClosedPort;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.GrpcTestClient;
import cloud.locci.proxy.core.testing.GrpcTestService;
import cloud.locci.proxy.core.testing.HoldingUpstream;
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
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * SPEC §12: errors the gateway makes itself reach a real gRPC client (grpc-java over TLS, ALPN h2) as
 * gRPC statuses in a trailers-only response with {@code X-Locci-Reason}; {@code grpc-timeout} bounds a
 * call as a route timeout.
 */
@ExtendWith(VertxExtension.class)
class GatewayGrpcErrorsTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  // One gateway for the class: each test uses its own route (the TLS set-up is the slow part).
  private static Vertx vertx;
  private static SelfSignedCertificate cert;
  private static HoldingUpstream holding;
  private static int port;
  private static GrpcTestClient client;
  private static final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private static final ListAppender<ILoggingEvent> warnings = new ListAppender<>();

  @BeforeAll
  static void setUp(Vertx v) {
    vertx = v;
    cert = SelfSignedCertificate.create("localhost");
    holding = HoldingUpstream.start(vertx, "holding").await();
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
          tls: { cert_path: "%s", key_path: "%s" }
        upstreams:
          down: { servers: ["127.0.0.1:%d"] }
          silent: { servers: ["%s"] }
        api_gateway:
          routes:
            unary: { path_pattern: "^/locci.test.Echo/Unary$", upstream: down }
            auth: { path_pattern: "^/locci.test.Echo/Fail$", upstream: down, middlewares: [auth] }
            limited: { path_pattern: "^/locci.test.Echo/ClientStream$", upstream: down, middlewares: [limit] }
            get_only: { path_pattern: "^/locci.test.Echo/Metadata$", upstream: down, methods: [GET] }
            slow: { path_pattern: "^/locci.test.Echo/Slow$", upstream: silent, timeout_secs: 60 }
            slow_short: { path_pattern: "^/locci.test.Echo/SlowShort$", upstream: silent, timeout_secs: 1 }
          middlewares:
            auth: { type: authentication, jwt_secret: "%s" }
            limit: { type: rate_limiting, requests_per_minute: 1 }
        control_api: { enabled: false }
        """.formatted(cert.certificatePath(), cert.privateKeyPath(), ClosedPort.find(), holding.address(), SECRET);
    lines.start();
    warnings.start();
    ((Logger) LoggerFactory.getLogger(GrpcRouteWarnings.class)).addAppender(warnings);
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(lines);
    port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1, new AccessLog()).await().port();
    client = GrpcTestClient.tls(port, cert.certificatePath(), "localhost");
  }

  @AfterAll
  static void tearDown() {
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).detachAppender(lines);
    ((Logger) LoggerFactory.getLogger(GrpcRouteWarnings.class)).detachAppender(warnings);
    client.close();
  }

  private static void assertProxyMade(GrpcTestClient.Result r, Status.Code code, String reason) {
    assertThat(r.code()).as(r.toString()).isEqualTo(code);
    assertThat(r.header("x-locci-reason")).as(r.toString()).isEqualTo(reason);
    assertThat(r.headers().keys()).as("a trailers-only response: no separate header block").isEmpty();
    assertThat(r.messages()).isEmpty();
  }

  @Test
  void noRouteIsUnimplemented() {
    GrpcTestClient.Result r = client.unary(GrpcTestService.SERVER_STREAM, "3");
    assertProxyMade(r, Status.Code.UNIMPLEMENTED, "route_not_found");
    assertThat(r.description()).isEqualTo("no route for /locci.test.Echo/ServerStream");
    // SPEC §12: the access log names the protocol of each side; no upstream was reached.
    assertThat(accessLine("/locci.test.Echo/ServerStream"))
        .contains("\"POST /locci.test.Echo/ServerStream HTTP/2.0\" 200 ", " client_protocol=h2 upstream_protocol=- ",
            " reason=route_not_found ");
  }

  @Test
  void methodNotAllowedIsUnimplemented() {
    assertProxyMade(client.unary(GrpcTestService.METADATA, "te"), Status.Code.UNIMPLEMENTED, "method_not_allowed");
  }

  @Test
  void upstreamDownIsUnavailable() {
    GrpcTestClient.Result r = client.unary(GrpcTestService.UNARY, "hi");
    assertProxyMade(r, Status.Code.UNAVAILABLE, "upstream_refused");
    assertThat(r.description()).startsWith("the upstream server refused the connection");
    assertThat(accessLine("/locci.test.Echo/Unary")).contains(" client_protocol=h2 upstream_protocol=http1 ");
    // SPEC §12: gRPC to an HTTP/1.1 upstream is worth one warning per route, not one per request.
    assertThat(client.unary(GrpcTestService.UNARY, "again").code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(warnings.list).extracting(ILoggingEvent::getFormattedMessage)
        .filteredOn(m -> m.contains("route \"unary\" sent a gRPC request to upstream \"down\", which speaks HTTP/1.1"))
        .hasSize(1);
  }

  @Test
  void missingCredentialsAreUnauthenticated() {
    assertProxyMade(client.unary(GrpcTestService.FAIL, "5:x"), Status.Code.UNAUTHENTICATED, "unauthorized");
  }

  @Test
  void rateLimitedIsResourceExhausted() {
    // The one token of the minute goes to the first call (which the dead upstream fails), not the second.
    assertThat(client.call(GrpcTestService.CLIENT_STREAM, List.of("a"), null, Map.of()).code())
        .isEqualTo(Status.Code.UNAVAILABLE);
    GrpcTestClient.Result limited = client.call(GrpcTestService.CLIENT_STREAM, List.of("a", "b"), null, Map.of());
    assertProxyMade(limited, Status.Code.RESOURCE_EXHAUSTED, "rate_limited");
    assertThat(limited.header("retry-after")).isNotNull();
  }

  @Test
  void aShortGrpcTimeoutEndsTheCallAsARouteTimeout() {
    long start = System.nanoTime();
    GrpcCall r = rawCall("/locci.test.Echo/Slow", "200m");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.status).isEqualTo(200);
    assertThat(r.grpcStatus).isEqualTo("4");
    assertThat(r.reason).isEqualTo("upstream_timeout");
    // Long before the route's timeout_secs: 60 (the bound is loose: the test machine may be loaded).
    assertThat(ms).isGreaterThanOrEqualTo(200).isLessThan(30_000);
    assertThat(holding.heldCount()).isPositive();
  }

  @Test
  void aMalformedGrpcTimeoutIsIgnoredAndTheRouteTimeoutApplies() {
    long start = System.nanoTime();
    GrpcCall r = rawCall("/locci.test.Echo/SlowShort", "123456789m"); // nine digits: at most eight are allowed
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.grpcStatus).isEqualTo("4");
    assertThat(r.reason).isEqualTo("upstream_timeout");
    assertThat(ms).isGreaterThanOrEqualTo(1000);
  }

  @Test
  void aGrpcTimeoutLongerThanTheRouteTimeoutChangesNothing() {
    long start = System.nanoTime();
    GrpcCall r = rawCall("/locci.test.Echo/SlowShort", "1M");
    assertThat(r.grpcStatus).isEqualTo("4");
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1000);
  }

  /** The access line of the request to {@code path} (written once the exchange is over: polled, bounded). */
  private static String accessLine(String path) {
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), "an access line for " + path,
        () -> lines.list.stream().anyMatch(e -> e.getFormattedMessage().contains(" " + path + " "))).await();
    return lines.list.stream().map(ILoggingEvent::getFormattedMessage).filter(l -> l.contains(" " + path + " "))
        .findFirst().orElseThrow();
  }

  private record GrpcCall(int status, String grpcStatus, String reason) {}

  /**
   * One gRPC call by hand over HTTP/2 with a {@code grpc-timeout} of our choosing: grpc-java's client
   * would also enforce its own deadline, and then who ended the call could not be told apart.
   */
  private static GrpcCall rawCall(String path, String grpcTimeout) {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setSsl(true).setUseAlpn(true).setTrustAll(true).setVerifyHost(false));
    try {
      byte[] message = "5000".getBytes(StandardCharsets.UTF_8);
      Buffer frame = Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message);
      HttpClientResponse response = h2.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
              .setPort(port).setURI(path)
              .putHeader("content-type", "application/grpc")
              .putHeader("te", "trailers")
              .putHeader("grpc-timeout", grpcTimeout))
          .compose(req -> req.send(frame)).await();
      response.body().await();
      String grpcStatus = response.getHeader("grpc-status") != null ? response.getHeader("grpc-status")
          : response.getTrailer("grpc-status");
      return new GrpcCall(response.statusCode(), grpcStatus, response.getHeader("x-locci-reason"));
    } finally {
      h2.close().await();
    }
  }
}
