package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawUpstream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §15 WebSocket rules: only {@code Upgrade: websocket} goes upstream, and an upstream 101 that does
 * not complete the client's handshake is refused with 502 {@code upstream_protocol}.
 */
@ExtendWith(VertxExtension.class)
class WebSocketUpgradeTest {

  /** The key and accept of RFC 6455 §1.3. */
  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

  private Vertx vertx;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * The first WebSocket handshake proxied in a JVM finds its upstream connection refused and the client
   * connection closed without an answer; main (1270a3f) does the same with this test, the cause is not
   * found yet (reported). One throwaway handshake first keeps the tests below about what they test.
   */
  @BeforeAll
  static void firstHandshakeOfTheJvm() {
    Vertx warm = Vertx.vertx();
    try {
      WebSocketUpgradeTest t = new WebSocketUpgradeTest();
      t.vertx = warm;
      RawUpstream upstream = RawUpstream.start(warm, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + ACCEPT + "\r\n\r\n").await();
      t.headOf(t.proxy(upstream), "GET /ws HTTP/1.1\r\nHost: app.example\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .otherwiseEmpty().await();
    } finally {
      warm.close().await();
    }
  }

  private int proxy(RawUpstream upstream) {
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          app: { servers: ["%s"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(upstream.address());
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
  }

  /** Vert.x's WebSocket client (which checks the accept itself) through the proxy; the refusal's status. */
  private UpgradeRejectedException refusal(int port) {
    WebSocketClient ws = vertx.createWebSocketClient();
    Throwable failure = ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws"))
        .map(s -> (Throwable) null).otherwise(t -> t).timeout(5, java.util.concurrent.TimeUnit.SECONDS).await();
    ws.close().await();
    assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
    return (UpgradeRejectedException) failure;
  }

  @Test
  void a101WithAWrongAcceptIsRefused() {
    RawUpstream upstream = RawUpstream.start(vertx, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + ACCEPT + "\r\n\r\n").await();
    UpgradeRejectedException e = refusal(proxy(upstream));
    assertThat(e.getStatus()).isEqualTo(502);
    assertThat(e.getHeaders().get("X-Locci-Reason")).isEqualTo("upstream_protocol");
    assertThat(upstream.heads()).hasSize(1);
  }

  @Test
  void a101WithoutUpgradeWebsocketIsRefused() {
    RawUpstream upstream = RawUpstream.start(vertx, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
        + "Connection: Upgrade\r\n\r\n").await();
    UpgradeRejectedException e = refusal(proxy(upstream));
    assertThat(e.getStatus()).isEqualTo(502);
    assertThat(e.getHeaders().get("X-Locci-Reason")).isEqualTo("upstream_protocol");
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "websocket, h2c", "h2c, websocket"})
  void onlyWebsocketIsOfferedUpstreamAndAValid101IsRelayed(String offer) {
    RawUpstream upstream = RawUpstream.start(vertx, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + ACCEPT + "\r\n\r\n").await();
    int port = proxy(upstream);
    // (With HTTP2-Settings as well, Vert.x's listener takes it for an h2c upgrade and closes the connection
    // before the proxy sees it: h2c upgrades are off.)
    String head = headOf(port, "GET /ws HTTP/1.1\r\nHost: app.example\r\nUpgrade: " + offer + "\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .timeout(5, java.util.concurrent.TimeUnit.SECONDS).await();
    assertThat(head).startsWith("HTTP/1.1 101");
    String sent = upstream.heads().get(0).toLowerCase();
    assertThat(sent).contains("\r\nupgrade: websocket\r\n").doesNotContain("h2c");
  }

  /** Writes {@code request} and completes with the response head (up to the blank line). */
  private Future<String> headOf(int port, String request) {
    Promise<String> head = Promise.promise();
    vertx.createNetClient().connect(port, "127.0.0.1").onSuccess(socket -> {
      Buffer received = Buffer.buffer();
      socket.handler(b -> {
        received.appendBuffer(b);
        String text = received.toString();
        int end = text.indexOf("\r\n\r\n");
        if (end >= 0) {
          head.tryComplete(text.substring(0, end + 2));
          socket.close();
        }
      });
      socket.closeHandler(v -> head.tryFail("closed after: " + received));
      vertx.setTimer(4_000, t -> head.tryFail("no head within 4 s; received: " + received));
      socket.write(request);
    }).onFailure(head::tryFail);
    return head.future();
  }
}
