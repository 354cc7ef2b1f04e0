package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SPEC §11 {@code ip_filter} on gateway routes, over real sockets from 127.0.0.1: the peer decides, unless
 * it is a trusted proxy, when the rightmost untrusted {@code X-Forwarded-For} entry (IPv4 or IPv6) does.
 */
@ExtendWith(VertxExtension.class)
class IpFilterTest {

  private HttpClient client;
  private EchoUpstream upstream;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx) {
    client = vertx.createHttpClient();
    upstream = EchoUpstream.start(vertx, "app").await();
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
          trusted_proxies: ["127.0.0.1"]
        upstreams:
          app:
            servers: ["UP"]
        api_gateway:
          routes:
            local_only:
              path_pattern: "^/local"
              upstream: app
              middlewares: [loopback]
            no_loopback:
              path_pattern: "^/blocked"
              upstream: app
              middlewares: [not_loopback]
            behind_lb:
              path_pattern: "^/office"
              upstream: app
              middlewares: [office]
            open:
              path_pattern: "^/open"
              upstream: app
        middlewares:
          loopback:
            type: ip_filter
            allow: ["127.0.0.0/8", "::1"]
          not_loopback:
            type: ip_filter
            deny: ["127.0.0.0/8"]
          office:
            type: ip_filter
            allow: ["198.51.100.0/24", "2001:db8:1::/48"]
            deny: ["198.51.100.66", "2001:db8:1:bad::/64"]
            trusted_proxies: ["127.0.0.1", "10.0.0.0/8"]
        control_api:
          enabled: false
        """.replace("UP", upstream.address());
    port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 2).await().port();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private HttpResult get(String uri, String forwardedFor) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(uri);
    if (forwardedFor != null) {
      o.addHeader("X-Forwarded-For", forwardedFor);
    }
    return HttpResult.send(client, o, null);
  }

  private static void assertDenied(HttpResult r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(403);
    assertThat(r.header("X-Locci-Reason")).isEqualTo("ip_denied");
    assertThat(r.json().getString("reason")).isEqualTo("ip_denied");
    assertThat(r.json().getInteger("status")).isEqualTo(403);
  }

  @Test
  void theTcpPeerIsJudgedWhenTheFilterTrustsNoProxy() {
    assertThat(get("/local", null).status()).isEqualTo(200);
    // The filter has no trusted_proxies: a forwarded address changes nothing.
    assertThat(get("/local", "203.0.113.5").status()).isEqualTo(200);
    assertDenied(get("/blocked", null));
    assertDenied(get("/blocked", "203.0.113.5"));
    assertThat(get("/open", null).status()).isEqualTo(200);
  }

  @Test
  void behindATrustedProxyTheRightmostUntrustedForwardedEntryIsTheClient() {
    assertThat(get("/office", "198.51.100.7").status()).isEqualTo(200);
    // Entries left of the first untrusted one are the client's own claims: ignored.
    assertThat(get("/office", "192.0.2.1, 198.51.100.7").status()).isEqualTo(200);
    assertDenied(get("/office", "198.51.100.7, 192.0.2.1"));
    // Trusted hops on the right are skipped.
    assertThat(get("/office", "198.51.100.7, 10.1.2.3, 10.4.5.6").status()).isEqualTo(200);
    // Deny wins over allow.
    assertDenied(get("/office", "198.51.100.66"));
    // The peer itself (127.0.0.1) is not in allow: without a forwarded entry it is refused.
    assertDenied(get("/office", null));
    // An entry with a port.
    assertThat(get("/office", "198.51.100.9:41000").status()).isEqualTo(200);
    // Several header lines read as one list, the last line rightmost.
    RequestOptions twoLines = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/office").addHeader("X-Forwarded-For", "198.51.100.7").addHeader("X-Forwarded-For", "192.0.2.1");
    assertDenied(HttpResult.send(client, twoLines, null));
    RequestOptions twoLinesOk = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/office").addHeader("X-Forwarded-For", "192.0.2.1").addHeader("X-Forwarded-For", "198.51.100.7");
    assertThat(HttpResult.send(client, twoLinesOk, null).status()).isEqualTo(200);
  }

  @Test
  void ipv6ClientsAreJudgedByTheirBlocks() {
    assertThat(get("/office", "2001:db8:1:2::5").status()).isEqualTo(200);
    assertThat(get("/office", "[2001:db8:1:3::9]:443").status()).isEqualTo(200);
    assertDenied(get("/office", "2001:db8:1:bad::1"));
    assertDenied(get("/office", "2001:db8:2::1"));
  }

  @Test
  void anUnreadableStandInIsRefused() {
    assertDenied(get("/office", "unknown"));
    assertDenied(get("/office", "client.example.com"));
  }
}
