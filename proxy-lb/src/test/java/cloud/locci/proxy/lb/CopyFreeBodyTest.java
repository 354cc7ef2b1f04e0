package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.LeakWatch;
import cloud.locci.proxy.core.testing.PatternBody;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Large response bodies through the load balancer, which takes the copy-free path for them (HTTP/1.1 on
 * both sides; {@code DirectBodyTest} shows the path is taken), with Netty's leak detector at PARANOID:
 * every byte arrives and the upstream connection serves the next request, and a client that resets the
 * connection in the middle of a body leaves the proxy holding no buffer and ready for the next one.
 */
@ExtendWith(VertxExtension.class)
class CopyFreeBodyTest {

  private static final PatternBody BIG = PatternBody.ofMebibytes(8);

  private Vertx vertx;
  private LeakWatch leaks;
  private int port;
  private final AtomicInteger upstreamConnections = new AtomicInteger();
  private final Promise<Void> upstreamSawReset = Promise.promise();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    leaks = LeakWatch.start();
    HttpServer upstream = vertx.createHttpServer()
        .connectionHandler(c -> {
          upstreamConnections.incrementAndGet();
          c.closeHandler(v -> upstreamSawReset.tryComplete());
        })
        .requestHandler(req -> {
          HttpServerResponse response = req.response();
          response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(BIG.length()));
          BIG.writeTo(response).onSuccess(v -> response.end());
        })
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
  }

  @AfterEach
  void tearDown() {
    try {
      assertThat(leaks.leaks()).isEmpty();
    } finally {
      leaks.close();
    }
  }

  private String fetchSha(HttpClientAgent client) {
    MessageDigest sha = PatternBody.newSha256();
    client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/big"))
        .compose(HttpClientRequest::send)
        .compose(resp -> {
          assertThat(resp.statusCode()).isEqualTo(200);
          resp.handler(b -> sha.update(b.getBytes()));
          return resp.end();
        }).await();
    return HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void largeBodiesArriveWholeOnOneUpstreamConnection() {
    HttpClientAgent client = vertx.createHttpClient();
    assertThat(fetchSha(client)).isEqualTo(BIG.sha256());
    assertThat(fetchSha(client)).isEqualTo(BIG.sha256());
    assertThat(upstreamConnections.get()).isEqualTo(1);
  }

  /** The client reads the head and a little of the body, then resets: the upstream exchange is aborted. */
  @Test
  void aClientResetInTheMiddleOfABodyLeavesNothingHeld() throws IOException {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", port));
      socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      byte[] some = new byte[64 * 1024];
      int read = 0;
      while (read < some.length) {
        int n = in.read(some, read, some.length - read);
        assertThat(n).isPositive();
        read += n;
      }
      assertThat(new String(some, 0, 12, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
      socket.setSoLinger(true, 0); // close with a reset
    }
    upstreamSawReset.future().await(); // the proxy aborted the upstream exchange (its connection closed)
    assertThat(fetchSha(vertx.createHttpClient())).isEqualTo(BIG.sha256());
  }
}
