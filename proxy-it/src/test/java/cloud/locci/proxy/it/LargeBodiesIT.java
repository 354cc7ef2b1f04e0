package cloud.locci.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.JarProcess;
import cloud.locci.proxy.core.testing.PatternBody;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
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
 * A 512 MiB request body and a 512 MiB response body stream through the proxy jar started with
 * {@code -Xmx96m}: a proxy that held either body (or more than a bounded window of it) would die of
 * OutOfMemoryError, which {@code -XX:+ExitOnOutOfMemoryError} turns into a dead process. The receiving
 * side hashes what it gets, so every byte must also arrive intact and in order.
 */
@ExtendWith(VertxExtension.class)
class LargeBodiesIT {

  private static final int MIB = 512;
  private static final String HEAP = "-Xmx96m";

  @TempDir
  Path dir;

  @Test
  @Timeout(180)
  void halfAGibibyteEachWayThroughA96MegabyteHeap(Vertx vertx) throws Exception {
    PatternBody body = PatternBody.ofMebibytes(MIB);
    String sha256 = body.sha256();
    EchoUpstream sink = EchoUpstream.start(vertx, "sink").await();
    HttpServer source = vertx.createHttpServer().requestHandler(req -> {
      req.response().putHeader("content-length", Long.toString(body.length()));
      body.writeTo(req.response()).onSuccess(v -> req.response().end());
    }).listen(0, "127.0.0.1").await();

    try (JarProcess proxy = ProxyJar.start(dir, """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          sink:
            servers: ["%s"]
          source:
            servers: ["127.0.0.1:%d"]
        api_gateway:
          routes:
            upload:
              path_pattern: "^/upload"
              upstream: sink
            download:
              path_pattern: "^/download"
              upstream: source
        control_api:
          enabled: false
        """.formatted(sink.address(), source.actualPort()), List.of(HEAP, "-XX:+ExitOnOutOfMemoryError"),
        "--instances", "2")) {
      int port = proxy.awaitProxyPort(ProxyJar.STARTUP);
      HttpClient client = vertx.createHttpClient();

      long upStart = System.nanoTime();
      JsonObject echo = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
              .setPort(port).setURI("/upload"))
          .compose(req -> {
            req.setChunked(true);
            Future<JsonObject> answer = req.response().compose(HttpClientResponse::body).map(b -> b.toJsonObject());
            return body.writeTo(req).compose(v -> req.end()).compose(v -> answer);
          })
          .await();
      long upMs = (System.nanoTime() - upStart) / 1_000_000;
      assertThat(echo.getLong("bodyLength")).isEqualTo(body.length());
      assertThat(echo.getString("bodySha256")).isEqualTo(sha256);

      long downStart = System.nanoTime();
      Received down = client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/download"))
          .compose(req -> {
            Future<Received> received = req.response().compose(LargeBodiesIT::hash);
            req.end();
            return received;
          })
          .await();
      long downMs = (System.nanoTime() - downStart) / 1_000_000;
      assertThat(down.status()).isEqualTo(200);
      assertThat(down.length()).isEqualTo(body.length());
      assertThat(down.sha256()).isEqualTo(sha256);

      assertThat(proxy.isAlive()).as(proxy.output()).isTrue();
      String peak = ProcStatus.peakRssKib(proxy.pid()).stream()
          .mapToObj(k -> (k / 1024) + " MiB").findFirst().orElse("unknown");
      System.out.printf("FIGURE large bodies: %d MiB up in %d ms, %d MiB down in %d ms, %s, peak RSS %s%n",
          MIB, upMs, MIB, downMs, HEAP, peak);
      client.close().await();
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).as(proxy.output()).isZero();
    }
  }

  private record Received(int status, long length, String sha256) {}

  /** Hashes the body as it streams in; completes with its length and digest at its end. */
  private static Future<Received> hash(HttpClientResponse response) {
    MessageDigest sha = PatternBody.newSha256();
    long[] length = {0};
    Promise<Received> done = Promise.promise();
    response.handler(buf -> {
      length[0] += buf.length();
      sha.update(buf.getBytes());
    });
    response.exceptionHandler(done::tryFail);
    response.endHandler(v -> done.tryComplete(
        new Received(response.statusCode(), length[0], HexFormat.of().formatHex(sha.digest()))));
    return done.future();
  }
}
