package cloud.locci.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.JarProcess;
import cloud.locci.proxy.core.testing.PatternBody;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §11: a 100 MiB compressible response goes through the {@code compression} middleware of the jar
 * started with {@code -Xmx64m} and {@code -XX:+ExitOnOutOfMemoryError}: a proxy that buffered the body
 * (plain or compressed) would die. The client inflates and hashes as the bytes arrive.
 */
@ExtendWith(VertxExtension.class)
class CompressedStreamIT {

  private static final String HEAP = "-Xmx64m";

  @TempDir
  Path dir;

  @Test
  @Timeout(180)
  void aHundredMebibytesGzippedThroughA64MegabyteHeap(Vertx vertx) throws Exception {
    PatternBody body = PatternBody.ofMebibytes(100);
    HttpServer source = vertx.createHttpServer().requestHandler(req -> {
      req.response().setChunked(true).putHeader("content-type", "text/plain");
      body.writeTo(req.response()).onSuccess(v -> req.response().end());
    }).listen(0, "127.0.0.1").await();
    try (JarProcess proxy = ProxyJar.start(dir, """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          source:
            servers: ["127.0.0.1:%d"]
        load_balancer:
          upstream: source
          middlewares: [gzip]
        middlewares:
          gzip:
            type: compression
        control_api:
          enabled: false
        """.formatted(source.actualPort()), List.of(HEAP, "-XX:+ExitOnOutOfMemoryError"), "--instances", "1")) {
      int port = proxy.awaitProxyPort(ProxyJar.STARTUP);
      HttpClient client = vertx.createHttpClient();
      MessageDigest sha = PatternBody.newSha256();
      Promise<long[]> done = Promise.promise();
      long start = System.nanoTime();
      client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/big")
          .addHeader("Accept-Encoding", "gzip")).onSuccess(req -> {
            req.response().onSuccess(resp -> {
              if (!"gzip".equals(resp.getHeader("Content-Encoding"))) {
                done.tryFail("not compressed: " + resp.headers().entries());
                return;
              }
              Inflater inflater = new Inflater(true);
              byte[] out = new byte[64 * 1024];
              long[] counts = {0, 0, 10}; // wire bytes, plain bytes, header bytes still to skip
              resp.handler(chunk -> {
                byte[] in = chunk.getBytes();
                counts[0] += in.length;
                int skip = (int) Math.min(counts[2], in.length);
                counts[2] -= skip;
                if (inflater.finished() || skip == in.length) {
                  return;
                }
                inflater.setInput(in, skip, in.length - skip);
                try {
                  int n;
                  while ((n = inflater.inflate(out)) > 0) {
                    counts[1] += n;
                    sha.update(out, 0, n);
                  }
                } catch (DataFormatException e) {
                  done.tryFail(e);
                }
              });
              resp.endHandler(v -> done.tryComplete(counts));
              resp.exceptionHandler(done::tryFail);
            }).onFailure(done::tryFail);
            req.end();
          }).onFailure(done::tryFail);
      long[] counts = done.future().await();
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(counts[1]).isEqualTo(body.length());
      assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(body.sha256());
      assertThat(proxy.isAlive()).as(proxy.output()).isTrue();
      String peak = ProcStatus.peakRssKib(proxy.pid()).stream()
          .mapToObj(k -> (k / 1024) + " MiB").findFirst().orElse("unknown");
      System.out.printf("FIGURE compression: 100 MiB gzipped to %d bytes in %d ms, %s, peak RSS %s%n",
          counts[0], ms, HEAP, peak);
      client.close().await();
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).as(proxy.output()).isZero();
    }
  }
}
