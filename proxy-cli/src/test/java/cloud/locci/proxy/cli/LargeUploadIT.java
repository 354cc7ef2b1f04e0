package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
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

  private static final int CHUNK = 64 * 1024;
  private static final int CHUNKS = 16 * 1024; // 1 GiB

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
    byte[] pattern = new byte[CHUNK];
    for (int i = 0; i < CHUNK; i++) {
      pattern[i] = (byte) (i * 31 + 7);
    }
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < CHUNKS; i++) {
      sha.update(pattern);
    }
    String expected = HexFormat.of().formatHex(sha.digest());

    try (JarProcess proxy = JarProcess.start(dir, List.of("-Xmx48m", "-XX:+ExitOnOutOfMemoryError"),
        "-c", cfg.toString(), "--instances", "1")) {
      int port = Integer.parseInt(proxy.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(30)).group(1));
      HttpClient client = vertx.createHttpClient();
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setHost("127.0.0.1")
          .setURI("/upload");
      JsonObject echo = client.request(options)
          .compose(req -> upload(req, Buffer.buffer(pattern)))
          .compose(HttpClientResponse::body)
          .await()
          .toJsonObject();

      assertThat(echo.getLong("bodyLength")).isEqualTo((long) CHUNK * CHUNKS);
      assertThat(echo.getString("bodySha256")).isEqualTo(expected);
      assertThat(proxy.isAlive()).as(proxy.output()).isTrue();
      // Also keeps the client reachable until here: Vert.x closes clients that become garbage.
      client.close().await();
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).isZero();
    }
  }

  /** Writes CHUNKS copies of {@code chunk}, waiting for drain whenever the write queue is full. */
  private static Future<HttpClientResponse> upload(HttpClientRequest req, Buffer chunk) {
    req.setChunked(true);
    Promise<Void> written = Promise.promise();
    writeFrom(req, chunk, 0, written);
    return written.future().compose(v -> req.end()).compose(v -> req.response());
  }

  private static void writeFrom(HttpClientRequest req, Buffer chunk, int sent, Promise<Void> done) {
    int i = sent;
    while (i < CHUNKS) {
      req.write(chunk);
      i++;
      if (req.writeQueueFull()) {
        int next = i;
        req.drainHandler(v -> writeFrom(req, chunk, next, done));
        return;
      }
    }
    done.tryComplete();
  }
}
