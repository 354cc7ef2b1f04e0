package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.JarProcess;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9: without {@code --cluster} nothing of Hazelcast is loaded. The jar runs with
 * {@code -verbose:class}, which prints every class the JVM loads; the same run with {@code --cluster}
 * shows that the check would see them.
 */
class ClusterClassLoadingIT {

  private static final Duration STARTUP = Duration.ofSeconds(45);

  @TempDir
  Path dir;

  private Path config(int clusterPort) throws Exception {
    Path p = dir.resolve("config.yaml");
    Files.writeString(p, """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
          workers: 1
        upstreams:
          app:
            servers: ["127.0.0.1:9"]
        load_balancer:
          upstream: app
        control_api:
          enabled: false
        cluster:
          name: classes-%d
          port: %d
        """.formatted(ProcessHandle.current().pid(), clusterPort));
    return p;
  }

  private static List<String> loaded(JarProcess proxy) {
    return Arrays.stream(proxy.output().split("\n"))
        .filter(l -> l.contains("com.hazelcast.") || l.contains("io.vertx.spi.cluster.")
            || l.contains("cloud.locci.proxy.cli.cluster."))
        .toList();
  }

  @Test
  void withoutClusterModeNoHazelcastClassIsLoaded() throws Exception {
    Path cfg = config(freePort());
    try (JarProcess proxy = JarProcess.start(dir, List.of("-Xmx128m", "-verbose:class"), "start", "-c", cfg.toString())) {
      proxy.awaitLine("locci-proxy listening on", STARTUP);
      assertThat(loaded(proxy)).isEmpty();
    }
  }

  @Test
  void clusterModeLoadsThem() throws Exception {
    Path cfg = config(freePort());
    try (JarProcess proxy = JarProcess.start(dir, List.of("-Xmx128m", "-verbose:class"),
        "start", "-c", cfg.toString(), "--cluster")) {
      proxy.awaitLine("locci-proxy listening on", STARTUP);
      assertThat(loaded(proxy)).anyMatch(l -> l.contains("com.hazelcast.core.Hazelcast "))
          .anyMatch(l -> l.contains("io.vertx.spi.cluster.hazelcast.HazelcastClusterManager "));
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
