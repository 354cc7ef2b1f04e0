package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawH2Client;
import cloud.locci.proxy.core.testing.RawH2Upstream;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SPEC §12: request trailers go from an HTTP/2 client to an HTTP/2 upstream in a trailing HEADERS frame
 * after the whole body (RequestTrailers), without the fields that must not be trailers; towards an
 * HTTP/1.1 upstream they are dropped and the request goes through. The upstream is Netty's frame codec,
 * which sees the frames Vert.x's server API hides.
 */
@ExtendWith(VertxExtension.class)
class RequestTrailersTest {

  private static int proxy(Vertx vertx, String server, String extra) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse("""
        mode: load_balancer
        server: {bind_address: "127.0.0.1:0"}
        upstreams:
          app: {servers: ["%s"]%s}
        load_balancer: {upstream: app}
        control_api: {enabled: false}
        """.formatted(server, extra)), LoadBalancerMode::new, 1).await().port();
  }

  private static List<Map.Entry<String, String>> post(String path) {
    return List.of(Map.entry(":method", "POST"), Map.entry(":scheme", "http"), Map.entry(":path", path),
        Map.entry(":authority", "localhost"), Map.entry("te", "trailers"));
  }

  @Test
  void anHttp2ClientsTrailersReachAnH2cUpstreamAfterTheBody(Vertx vertx) throws Exception {
    // A 1 KiB stream window upstream: the 12 KiB body queues behind flow control on the proxy's side,
    // and the trailers must still come after all of it.
    try (RawH2Upstream upstream = RawH2Upstream.start(1024)) {
      int port = proxy(vertx, upstream.address(), ", protocol: h2c");
      String body = "x".repeat(12 * 1024);
      try (RawH2Client client = RawH2Client.connectCleartext(port)) {
        RawH2Client.Response r = client.send(post("/upload"), body,
            List.of(Map.entry("x-checksum", "c0ffee"), Map.entry("grpc-status", "0"),
                Map.entry("content-type", "text/x"), Map.entry("authorization", "Bearer t")));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(Integer.toString(body.length()));
      }
      RawH2Upstream.Request got = upstream.requests().get(0);
      assertThat(got.bodyLength()).isEqualTo(body.length());
      assertThat(got.trailers().get("x-checksum")).hasToString("c0ffee");
      assertThat(got.trailers().get("grpc-status")).hasToString("0");
      assertThat(got.trailers().contains("content-type")).isFalse();
      assertThat(got.trailers().contains("authorization")).isFalse();
      assertThat(got.headers().contains("x-checksum")).isFalse();
    }
  }

  @Test
  void aRequestWithoutTrailersEndsAsBefore(Vertx vertx) throws Exception {
    try (RawH2Upstream upstream = RawH2Upstream.start()) {
      int port = proxy(vertx, upstream.address(), ", protocol: h2c");
      try (RawH2Client client = RawH2Client.connectCleartext(port)) {
        RawH2Client.Response r = client.send(post("/plain"), "abc", List.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("3");
      }
      assertThat(upstream.requests().get(0).trailers().isEmpty()).isTrue();
    }
  }

  @Test
  void towardsAnHttp1UpstreamTheTrailersAreDroppedAndTheRequestGoesThrough(Vertx vertx) throws Exception {
    EchoUpstream upstream = EchoUpstream.start(vertx, "h1").await();
    int port = proxy(vertx, upstream.address(), "");
    try (RawH2Client client = RawH2Client.connectCleartext(port)) {
      RawH2Client.Response r = client.send(post("/echo"), "hello", List.of(Map.entry("x-checksum", "c0ffee")));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.trailers().isEmpty()).isTrue();
    }
  }
}
