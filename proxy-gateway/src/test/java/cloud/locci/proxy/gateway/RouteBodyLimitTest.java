package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A route's {@code max_body_size} replaces {@code server.max_body_size} for that route (0: unlimited). */
@ExtendWith(VertxExtension.class)
class RouteBodyLimitTest {

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private HttpResult post(int port, String path, int bytes) {
    return HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI(path), Buffer.buffer("x".repeat(bytes)));
  }

  @Test
  void eachRouteHasItsOwnLimit() {
    EchoUpstream echo = EchoUpstream.start(vertx, "echo").await();
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0", max_body_size: 100 }
        upstreams:
          app: { servers: ["%s"] }
        api_gateway:
          routes:
            avatar: { path_pattern: "^/avatar", upstream: app, max_body_size: 5 }
            upload: { path_pattern: "^/upload", upstream: app, max_body_size: 0 }
            rest: { path_pattern: "^/", upstream: app }
        control_api: { enabled: false }
        """.formatted(echo.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1).await().port();

    HttpResult tooBig = post(port, "/avatar", 6);
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(tooBig.header("X-Locci-Reason")).isEqualTo("body_too_large");
    assertThat(post(port, "/avatar", 5).status()).isEqualTo(200);
    assertThat(post(port, "/rest", 100).status()).isEqualTo(200);
    assertThat(post(port, "/rest", 101).status()).as("server.max_body_size").isEqualTo(413);
    assertThat(post(port, "/upload", 1000).json().getLong("bodyLength")).as("0: unlimited").isEqualTo(1000);
  }
}
