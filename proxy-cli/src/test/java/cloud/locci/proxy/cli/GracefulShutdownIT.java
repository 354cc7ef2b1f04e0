package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.HoldingUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM with requests in flight: they finish within the grace period, or are cut with a warning; exit 0. */
@ExtendWith(VertxExtension.class)
class GracefulShutdownIT {

  @TempDir
  Path dir;

  private Path config(int upstreamPort, int graceSecs) throws Exception {
    Path p = dir.resolve("config.yaml");
    Files.writeString(p, """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
          shutdown_grace_secs: %d
        upstreams:
          app: { servers: ["127.0.0.1:%d"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(graceSecs, upstreamPort));
    return p;
  }

  private static int port(JarProcess proxy) throws InterruptedException {
    return Integer.parseInt(proxy.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(30)).group(1));
  }

  @Test
  void inFlightRequestFinishesDuringTheGracePeriod(Vertx vertx) throws Exception {
    HoldingUpstream upstream = HoldingUpstream.start(vertx, "held").await();
    try (JarProcess proxy = JarProcess.start(dir, "-c", config(upstream.port(), 20).toString(),
        "--instances", "1")) {
      int port = port(proxy);
      HttpClient client = vertx.createHttpClient();
      Future<HttpResult> pending = HttpResult.fetch(client,
          new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI("/slow"), null);
      upstream.arrived(1).await();

      proxy.terminate();
      proxy.awaitLine("stopping: no new connections; 1 request\\(s\\) in flight", Duration.ofSeconds(10));
      upstream.releaseAll();

      HttpResult r = pending.await();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("X-Upstream-Id")).isEqualTo("held");
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).as(proxy.output()).isZero();
      assertThat(proxy.output()).doesNotContain("cut short");
      client.close().await();
    }
  }

  @Test
  void requestsStillRunningWhenTheGraceEndsAreCutWithAWarningAndExitIsZero(Vertx vertx) throws Exception {
    HoldingUpstream upstream = HoldingUpstream.start(vertx, "held").await();
    try (JarProcess proxy = JarProcess.start(dir, "-c", config(upstream.port(), 1).toString(),
        "--instances", "1")) {
      int port = port(proxy);
      HttpClient client = vertx.createHttpClient();
      Future<HttpResult> pending = HttpResult.fetch(client,
          new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI("/stuck"), null);
      upstream.arrived(1).await();

      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(30))).as(proxy.output()).isZero();
      assertThat(proxy.output()).contains("grace period of 1s over: 1 request(s) were cut short");
      assertThat(pending.otherwise(err -> null).await()).isNull();
      client.close().await();
    }
  }
}
