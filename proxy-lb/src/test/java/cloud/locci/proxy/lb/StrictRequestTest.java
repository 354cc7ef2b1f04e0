package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawClient;
import cloud.locci.proxy.core.testing.RawUpstream;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §10 "Strict requests" and §15 in load-balancer mode, over raw sockets: every malformed head is
 * 400 {@code bad_request}, the connection closed, and nothing reaches the upstream.
 */
@ExtendWith(VertxExtension.class)
class StrictRequestTest {

  private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

  private Vertx vertx;
  private RawUpstream upstream;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    upstream = RawUpstream.start(vertx, OK).await();
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          app: { servers: ["%s"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(upstream.address());
    port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
  }

  private RawClient.Exchange send(String head) {
    return RawClient.sendAndAwaitClose(vertx, port, head, 5_000).await();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      // no Host
      "GET / HTTP/1.1\r\n\r\n",
      // two Hosts, equal or not
      "GET / HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n",
      // malformed Host
      "GET / HTTP/1.1\r\nHost: user@a.example\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.example:99999\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.example/x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: \r\n\r\n",
      "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
      // control characters in the target
      "GET /a\u0000b HTTP/1.1\r\nHost: a.example\r\n\r\n",
      "GET /a\u0001b HTTP/1.1\r\nHost: a.example\r\n\r\n",
      "GET /a\u007fb HTTP/1.1\r\nHost: a.example\r\n\r\n",
      "GET /a?x=\u0000 HTTP/1.1\r\nHost: a.example\r\n\r\n",
      // control characters in a header value (tab is allowed, see below)
      "GET / HTTP/1.1\r\nHost: a.example\r\nX-A: a\u0000b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.example\r\nX-A: a\rb\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.example\r\nX-A: a\u0001b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.example\r\nX-A: a\u001bb\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.example\r\nX-A: a\u007fb\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.example\r\nUser-Agent: x\u0000\r\n\r\n",
      // not origin form after the authority
      "GET a/b HTTP/1.1\r\nHost: a.example\r\n\r\n"})
  void malformedHeadsAre400AndNeverForwarded(String head) {
    RawClient.Exchange r = send(head);
    assertThat(r.status()).as(r.received()).isEqualTo(400);
    assertThat(r.received()).containsIgnoringCase("x-locci-reason: bad_request");
    assertThat(upstream.heads()).isEmpty();
  }

  @Test
  void aTabInAHeaderValueAndAnHttp10RequestWithoutHostPass() {
    RawClient.Exchange tab = send("GET /t HTTP/1.1\r\nHost: a.example\r\nX-A: a\tb\r\nConnection: close\r\n\r\n");
    assertThat(tab.status()).as(tab.received()).isEqualTo(200);
    RawClient.Exchange old = send("GET /old HTTP/1.0\r\n\r\n");
    assertThat(old.status()).as(old.received()).isEqualTo(200);
    assertThat(upstream.heads()).hasSize(2);
    assertThat(upstream.heads().get(0)).contains("\r\nX-A: a\tb\r\n");
  }

  @Test
  void anAbsoluteFormTargetIsForwardedInOriginForm() {
    RawClient.Exchange r = send("GET http://user:pw@internal:8080/x/y?z=1 HTTP/1.1\r\nHost: shop.example\r\n"
        + "Connection: close\r\n\r\n");
    assertThat(r.status()).as(r.received()).isEqualTo(200);
    String head = upstream.heads().get(0);
    assertThat(head).startsWith("GET /x/y?z=1 HTTP/1.1\r\n").doesNotContain("user:pw", "internal");
  }
}
