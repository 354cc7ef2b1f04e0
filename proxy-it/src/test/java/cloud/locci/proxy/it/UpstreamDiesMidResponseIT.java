package cloud.locci.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.JarProcess;
import cloud.locci.proxy.it.RawHttp.BodyEnd;
import cloud.locci.proxy.it.RawHttp.Head;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An upstream process that dies after sending part of a response: the response head is already with
 * the client, so the proxy cannot answer 502 any more. The client must learn that the body is
 * incomplete: its connection is closed before the announced length (Content-Length) or without the
 * last chunk (chunked), promptly, and never left open as if the short body were the whole response.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class UpstreamDiesMidResponseIT {

  /** Far above the proxy's reaction time; a read that waits this long means the client was left hanging. */
  private static final int READ_TIMEOUT_MS = 15_000;

  // Static: an instance field would be injected only after @BeforeAll.
  @TempDir
  static Path dir;

  private DyingUpstream upstream;
  private JarProcess proxy;
  private int port;

  @BeforeAll
  void startProxy() throws Exception {
    upstream = new DyingUpstream();
    proxy = ProxyJar.start(dir, """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["%s"]
        load_balancer:
          upstream: app
        control_api:
          enabled: false
        """.formatted(upstream.address()), List.of("-Xmx128m"), "--instances", "2");
    port = proxy.awaitProxyPort(ProxyJar.STARTUP);
  }

  @AfterAll
  void stopProxy() throws Exception {
    proxy.close();
    upstream.close();
  }

  /**
   * {@code /stalled}: the client reads nothing more after the first bytes, so the proxy holds back
   * the upstream and has data queued for the client when the upstream dies; that data may still come,
   * then the close.
   */
  @ParameterizedTest
  @ValueSource(strings = {"/length", "/length/rst", "/chunked", "/chunked/rst", "/chunked/mid", "/length/stalled",
      "/chunked/stalled"})
  void theClientSeesTheConnectionClosedBeforeTheAnnouncedEnd(String path, Vertx vertx) throws Exception {
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
      client.setSoTimeout(READ_TIMEOUT_MS);
      InputStream in = new BufferedInputStream(client.getInputStream());
      // A keep-alive request: after a complete response the connection would stay open for the next one.
      client.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: it\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));

      Head head = RawHttp.readHead(in);
      assertThat(head.status()).isEqualTo(200);
      if (path.startsWith("/chunked")) {
        assertThat(head.chunked()).as(head.text()).isTrue();
      } else {
        assertThat(head.contentLength()).as(head.text()).isEqualTo(DyingUpstream.ANNOUNCED);
      }
      BodyEnd firstPart = RawHttp.readBody(in, head, 1);
      assertThat(firstPart.bytes()).isPositive();

      if (path.endsWith("/stalled")) {
        Eventually.untilTrue(vertx, Duration.ofSeconds(20), "the proxy holds the upstream back",
            () -> upstream.stalledFor(300)).await();
      }
      long sent = path.endsWith("/stalled") ? upstream.written() + DyingUpstream.SENT : DyingUpstream.SENT;
      long killed = System.nanoTime();
      upstream.kill();
      BodyEnd end = RawHttp.readBody(in, head, Long.MAX_VALUE);

      assertThat(end.complete()).as("a cut body must never look complete (%d bytes after the first)", end.bytes())
          .isFalse();
      assertThat(end.closed()).as("the connection must be closed").isTrue();
      assertThat(firstPart.bytes() + end.bytes()).isLessThanOrEqualTo(sent);
      System.out.printf("FIGURE upstream dies mid-response %s: %d of %d announced bytes %s, then closed %d ms "
          + "after the kill%n", path, firstPart.bytes() + end.bytes(), DyingUpstream.ANNOUNCED,
          path.startsWith("/chunked") ? "(chunked, no last chunk)" : "(Content-Length)",
          (System.nanoTime() - killed) / 1_000_000);
    }
    // The proxy itself is unharmed: the next request on a new connection is served whole.
    assertThat(okOnNewConnection()).isTrue();
  }

  private boolean okOnNewConnection() throws Exception {
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
      client.setSoTimeout(READ_TIMEOUT_MS);
      InputStream in = new BufferedInputStream(client.getInputStream());
      client.getOutputStream().write("GET /ok HTTP/1.1\r\nHost: it\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      Head head = RawHttp.readHead(in);
      return head.status() == 200 && RawHttp.readBody(in, head, Long.MAX_VALUE).complete();
    }
  }
}
