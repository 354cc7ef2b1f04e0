package cloud.locci.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HoldingUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while 20 requests, on 20 connections, are held by the upstream: the proxy stops accepting
 * new connections, lets the 20 finish once the upstream answers, and exits 0.
 */
@ExtendWith(VertxExtension.class)
class ShutdownInFlightIT {

  private static final int IN_FLIGHT = 20;

  @TempDir
  Path dir;

  @Test
  @Timeout(90)
  void twentyRequestsInFlightAllFinishAndTheExitIsZero(Vertx vertx) throws Exception {
    HoldingUpstream upstream = HoldingUpstream.start(vertx, "held").await();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(IN_FLIGHT));
    try (JarProcess proxy = ProxyJar.start(dir, """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
          shutdown_grace_secs: 30
        upstreams:
          app:
            servers: ["%s"]
        load_balancer:
          upstream: app
        control_api:
          enabled: false
        """.formatted(upstream.address()), List.of("-Xmx128m"), "--instances", "2")) {
      int port = proxy.awaitProxyPort(ProxyJar.STARTUP);
      List<Future<HttpResult>> pending = new ArrayList<>();
      for (int i = 0; i < IN_FLIGHT; i++) {
        pending.add(HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(port)
            .setURI("/held-" + i).setIdleTimeout(60_000), null));
      }
      upstream.arrived(IN_FLIGHT).await();

      proxy.terminate();
      proxy.awaitLine("stopping: no new connections; " + IN_FLIGHT + " request\\(s\\) in flight", Duration.ofSeconds(10));
      // The listener closes: a new connection is refused, while the 20 are still held.
      Eventually.untilTrue(vertx, Duration.ofSeconds(10), "new connections refused", () -> refused(port)).await();
      assertThat(pending).noneMatch(Future::isComplete);

      long released = System.nanoTime();
      upstream.releaseAll();
      for (Future<HttpResult> f : pending) {
        HttpResult r = f.await();
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("X-Upstream-Id")).isEqualTo("held");
      }
      assertThat(proxy.awaitExit(Duration.ofSeconds(30))).as(proxy.output()).isZero();
      long exitMs = (System.nanoTime() - released) / 1_000_000;
      assertThat(proxy.output()).doesNotContain("cut short");
      System.out.printf("FIGURE shutdown: SIGTERM with %d requests in flight, %d/%d answered 200 after the "
          + "upstream released them, exit 0 %d ms after the release%n", IN_FLIGHT, IN_FLIGHT, IN_FLIGHT, exitMs);
    } finally {
      client.close().await();
      upstream.close().await();
    }
  }

  private static boolean refused(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}
