package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.ClosedPort;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawClient;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code server.http_bind_address} without ACME: a second, plain listener that routes like the main one,
 * or with {@code https_redirect} answers 308 to https; ACME challenge paths are its own either way.
 */
@ExtendWith(VertxExtension.class)
class PlainListenerTest {

  private Vertx vertx;
  private HttpClient client;
  private EchoUpstream echo;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    echo = EchoUpstream.start(vertx, "app").await();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
    echo.close().await();
  }

  private HttpResult get(int port, String uri, String host) {
    return HttpResult.send(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI(uri)
        .putHeader("Host", host), null);
  }

  @Test
  void withoutRedirectItRoutesLikeTheMainListener() {
    int plain = ClosedPort.find();
    int main = ProxyDeployment.deploy(vertx, ProxyDeployment.parse("""
        mode: load_balancer
        server: {bind_address: "127.0.0.1:0", http_bind_address: "127.0.0.1:%d"}
        upstreams:
          app: {servers: ["%s"]}
        load_balancer: {upstream: app}
        control_api: {enabled: false}
        """.formatted(plain, echo.address())), LoadBalancerMode::new, 2).await().port();

    assertThat(get(plain, "/x", "a.example.com").status()).isEqualTo(200);
    assertThat(get(main, "/x", "a.example.com").status()).isEqualTo(200);
    assertThat(get(plain, "/.well-known/acme-challenge/unknown", "a.example.com").status())
        .as("challenge paths are never routed").isEqualTo(404);
  }

  @Test
  @SuppressWarnings("removal") // SelfSignedCertificate: the simplest way to make a certificate at test time
  void redirectsToTheSameHostPathAndQueryOnTheTlsPort() throws Exception {
    SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
    int plain = ClosedPort.find();
    int tls = ProxyDeployment.deploy(vertx, ProxyDeployment.parse("""
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
          http_bind_address: "127.0.0.1:%d"
          https_redirect: true
          tls: {cert_path: "%s", key_path: "%s"}
        upstreams:
          app: {servers: ["%s"]}
        load_balancer: {upstream: app}
        control_api: {enabled: false}
        """.formatted(plain, cert.certificate(), cert.privateKey(), echo.address())), LoadBalancerMode::new, 1)
        .await().port();

    HttpResult r = get(plain, "/a/b?c=1&d=%20", "www.example.com:" + plain);
    assertThat(r.status()).isEqualTo(308);
    assertThat(r.header("Location")).isEqualTo("https://www.example.com:" + tls + "/a/b?c=1&d=%20");
    assertThat(get(plain, "/", "[::1]:" + plain).header("Location")).isEqualTo("https://[::1]:" + tls + "/");
    assertThat(get(plain, "/", "bad_host.example.com").status()).as("not a host name").isEqualTo(400);
    RawClient.Exchange noHost = RawClient.sendAndAwaitClose(vertx, plain, "GET / HTTP/1.0\r\n\r\n", 5000).await();
    assertThat(noHost.status()).as(noHost.toString()).isEqualTo(400);
  }
}
