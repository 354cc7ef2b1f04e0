package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SPEC §11 middlewares in load-balancer mode: ip_filter and compression on every request. */
@ExtendWith(VertxExtension.class)
class LoadBalancerTrafficPoliciesTest {

  private static final String TEXT = "<p>hello, compressed world</p>\n".repeat(100);

  private Vertx vertx;
  private HttpClient client;
  private HttpServer upstream;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient();
    upstream = vertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("content-type", "text/html").end(TEXT))
        .listen(0, "127.0.0.1").await();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private int deploy(String middlewares) {
    String yaml = """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["127.0.0.1:%d"]
        load_balancer:
          upstream: app
          middlewares: %s
        middlewares:
          gzip:
            type: compression
          loopback_only:
            type: ip_filter
            allow: ["127.0.0.1/32"]
          no_loopback:
            type: ip_filter
            deny: ["127.0.0.0/8", "::1/128"]
        control_api:
          enabled: false
        """.formatted(upstream.actualPort(), middlewares);
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
  }

  private HttpResult get(int port) {
    return HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/page").addHeader("Accept-Encoding", "gzip, deflate"), null);
  }

  @Test
  void allowedClientsGetCompressedAnswers() throws Exception {
    HttpResult r = get(deploy("[loopback_only, gzip]"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(r.header("Vary")).isEqualTo("Accept-Encoding");
    assertThat(new String(gunzip(r.body()))).isEqualTo(TEXT);
  }

  @Test
  void deniedClientsGet403IpDenied() {
    HttpResult r = get(deploy("[no_loopback, gzip]"));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.header("X-Locci-Reason")).isEqualTo("ip_denied");
    assertThat(r.header("Content-Encoding")).as("proxy-made errors are not compressed").isNull();
  }

  private static byte[] gunzip(Buffer gz) throws Exception {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.getBytes()))) {
      return in.readAllBytes();
    }
  }
}
