package cloud.locci.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that accepts connections and reads requests but never answers (a deadlocked backend): the
 * client gets 504 {@code upstream_timeout} once the route's {@code timeout_secs} has passed, not
 * before and not much later. The server's {@code idle_timeout_secs} is below the route timeout on
 * purpose: idle time counts only between requests, so it must not cut the request in flight.
 */
@ExtendWith(VertxExtension.class)
class SilentUpstreamIT {

  private static final int ROUTE_TIMEOUT_SECS = 2;

  @TempDir
  Path dir;

  /** Accepts every connection and keeps it open without ever writing a byte. */
  private static final class SilentServer implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final List<Socket> held = new CopyOnWriteArrayList<>();

    SilentServer() throws IOException {
      Thread t = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            held.add(server.accept());
          } catch (IOException e) {
            return;
          }
        }
      }, "silent-upstream");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void aServerThatNeverAnswersIs504AtTheRouteTimeout(Vertx vertx) throws Exception {
    EchoUpstream echo = EchoUpstream.start(vertx, "echo").await();
    try (SilentServer silent = new SilentServer();
        JarProcess proxy = ProxyJar.start(dir, """
            mode: api_gateway
            server:
              bind_address: "127.0.0.1:0"
              idle_timeout_secs: 1
            upstreams:
              silent:
                servers: ["127.0.0.1:%d"]
              echo:
                servers: ["%s"]
            api_gateway:
              routes:
                api:
                  path_pattern: "^/"
                  upstream: silent
                  timeout_secs: %d
                warm:
                  path_pattern: "^/warm"
                  upstream: echo
            control_api:
              enabled: false
            """.formatted(silent.server.getLocalPort(), echo.address(), ROUTE_TIMEOUT_SECS), List.of("-Xmx128m"),
            "--instances", "1")) {
      int port = proxy.awaitProxyPort(ProxyJar.STARTUP);
      HttpClient client = vertx.createHttpClient();
      // A first request through the same path of the code, so that class loading is not timed below.
      assertThat(HttpResult.get(client, port, "/warm").status()).isEqualTo(200);

      long start = System.nanoTime();
      // The client's own limit is far above the route timeout: reaching it means the proxy never answered.
      HttpResult r = HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(port)
          .setURI("/never").setIdleTimeout(ROUTE_TIMEOUT_SECS * 1000L + 10_000), null).await();
      long tookMs = (System.nanoTime() - start) / 1_000_000;

      assertThat(r.status()).as(r.toString()).isEqualTo(504);
      assertThat(r.header("X-Locci-Reason")).isEqualTo("upstream_timeout");
      assertThat(r.json().getString("reason")).isEqualTo("upstream_timeout");
      assertThat(silent.held).as("the request reached the silent server").isNotEmpty();
      // Not before the timeout; after it by at most the watch's period plus a wide margin for a busy machine.
      assertThat(tookMs).isBetween(ROUTE_TIMEOUT_SECS * 1000L - 50, ROUTE_TIMEOUT_SECS * 1000L + 3000);
      System.out.printf("FIGURE silent upstream: 504 after %d ms (timeout_secs %d)%n", tookMs, ROUTE_TIMEOUT_SECS);
      client.close().await();
    }
  }
}
