package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar started with no JVM flag at all picks its own memory defaults (README "Memory without flags"):
 * Netty's pooled allocator is chosen and the heap is G1's own; the heap governor runs only when asked for with
 * -Dlocci.heap_governor=true, and even then any heap or GC flag keeps it off.
 */
@ExtendWith(VertxExtension.class)
class PlainJarMemoryIT {

  private static final Duration STARTUP = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private Path config(Vertx vertx) throws Exception {
    EchoUpstream upstream = EchoUpstream.start(vertx, "echo-1").await();
    Path p = dir.resolve("config.yaml");
    Files.writeString(p, """
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
    return p;
  }

  @Test
  void withoutFlagsTheGovernorIsOffAndTheProxyServes(Vertx vertx) throws Exception {
    Path cfg = config(vertx);
    try (JarProcess proxy = JarProcess.start(dir, List.of(), "-c", cfg.toString(), "--instances", "1")) {
      proxy.awaitLine("heap: sized by the JVM \\(not asked for; -Dlocci\\.heap_governor=true turns it on\\); no heap"
          + " governor", STARTUP);
      int port = Integer.parseInt(proxy.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", STARTUP).group(1));
      assertThat(HttpResult.get(vertx.createHttpClient(), port, "/x").status()).isEqualTo(200);
    }
  }

  @Test
  void askedForTheGovernorIsOnAndTheProxyServes(Vertx vertx) throws Exception {
    Path cfg = config(vertx);
    try (JarProcess proxy = JarProcess.start(dir, List.of("-Dlocci.heap_governor=true"), "-c", cfg.toString(),
        "--instances", "1")) {
      String heap = proxy.awaitLine("heap: (.*)", STARTUP).group(1);
      // On a machine under 2 CPUs or 1792 MB the JVM itself picks the serial collector and a small heap.
      Assumptions.assumeFalse(heap.contains("did not pick G1"), heap);
      assertThat(heap).matches("no heap or GC flags given: G1 with a maximum of \\d+ MB; a full collection whenever"
          + " more than 96 MB .*");
      int port = Integer.parseInt(proxy.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", STARTUP).group(1));
      assertThat(HttpResult.get(vertx.createHttpClient(), port, "/x").status()).isEqualTo(200);
    }
  }

  @Test
  void anyHeapFlagLeavesTheJvmAlone(Vertx vertx) throws Exception {
    Path cfg = config(vertx);
    try (JarProcess proxy = JarProcess.start(dir, List.of("-Xmx128m", "-Dlocci.heap_governor=true"), "-c",
        cfg.toString(), "--instances", "1")) {
      proxy.awaitLine("heap: sized by the JVM \\(-XX:MaxHeapSize was given \\(VM_CREATION\\)\\); no heap governor",
          STARTUP);
    }
  }
}
