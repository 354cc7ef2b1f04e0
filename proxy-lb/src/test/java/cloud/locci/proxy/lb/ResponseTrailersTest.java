package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Response trailers are part of a body's end (BodyRelay): they reach an HTTP/1.1 client that sent
 * {@code TE: trailers} in the chunked response, without hop-by-hop fields, and are dropped (not merged
 * into the head) for a client that did not (SPEC §12).
 */
@ExtendWith(VertxExtension.class)
class ResponseTrailersTest {

  private Vertx vertx;
  private HttpClient client;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    HttpServer upstream = vertx.createHttpServer()
        .requestHandler(req -> req.response().setChunked(true)
            .putTrailer("X-Checksum", "abc123")
            .putTrailer("Keep-Alive", "timeout=5")
            .end("body"))
        .listen(0, "127.0.0.1").await();
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0", workers: 1 }
        upstreams:
          app:
            servers: ["127.0.0.1:%d"]
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(upstream.actualPort());
    port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
    client = vertx.createHttpClient();
  }

  private HttpClientResponse get(boolean teTrailers) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/t");
    if (teTrailers) {
      options.putHeader("TE", "trailers");
    }
    return client.request(options).compose(req -> req.send()).compose(r -> r.body().map(b -> {
      assertThat(b.toString()).isEqualTo("body");
      return r;
    })).await();
  }

  @Test
  void trailersReachAClientThatAcceptsThem() {
    HttpClientResponse r = get(true);
    assertThat(r.trailers().get("X-Checksum")).isEqualTo("abc123");
    assertThat(r.trailers().contains("Keep-Alive")).isFalse();
    assertThat(r.headers().contains("X-Checksum")).isFalse();
  }

  @Test
  void trailersAreDroppedForAClientThatDidNotAskForThem() {
    HttpClientResponse r = get(false);
    assertThat(r.trailers().isEmpty()).isTrue();
    assertThat(r.headers().contains("X-Checksum")).isFalse();
  }
}
