package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.JarProcess;
import cloud.locci.proxy.core.testing.PatternBody;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB upload streams through the proxy jar running with a 48 MB heap: if the proxy held the body
 * (or more than a bounded window of it) it would die of OutOfMemoryError. The upstream hashes what it
 * receives, so every byte must also arrive intact.
 */
@ExtendWith(VertxExtension.class)
class LargeUploadIT {

  @TempDir
  Path dir;

  @Test
  @Timeout(240)
  void oneGibUploadStreamsThroughASmallHeap(Vertx vertx) throws Exception {
    EchoUpstream upstream = EchoUpstream.start(vertx, "sink").await();
    Path cfg = dir.resolve("config.yaml");
    Files.writeString(cfg, """
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
        """.formatted(upstream.address()));
    PatternBody body = PatternBody.ofMebibytes(1024);

    try (JarProcess proxy = JarProcess.start(dir, List.of("-Xmx48m", "-XX:+ExitOnOutOfMemoryError"),
        "-c", cfg.toString(), "--instances", "1")) {
      int port = proxy.awaitProxyPort(Duration.ofSeconds(30));
      HttpClient client = vertx.createHttpClient();
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setHost("127.0.0.1")
          .setURI("/upload");
      JsonObject echo = client.request(options)
          .compose(req -> {
            req.setChunked(true);
            return body.writeTo(req).compose(v -> req.end()).compose(v -> req.response());
          })
          .compose(HttpClientResponse::body)
          .await()
          .toJsonObject();

      assertThat(echo.getLong("bodyLength")).isEqualTo(body.length());
      assertThat(echo.getString("bodySha256")).isEqualTo(body.sha256());
      assertThat(proxy.isAlive()).as(proxy.output()).isTrue();
      // Also keeps the client reachable until here: Vert.x closes clients that become garbage.
      client.close().await();
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).isZero();
    }
  }
}
