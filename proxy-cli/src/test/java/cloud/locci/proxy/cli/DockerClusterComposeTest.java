package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ClusterConfig;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.RateLimitScope;
import cloud.locci.proxy.core.config.ServerAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/compose.cluster.yaml} and its three node configs, checked without Docker: three nodes of
 * one image, each with its own valid config that joins the others by their compose names, only the
 * proxies published (each control API stays on its container's loopback).
 */
class DockerClusterComposeTest {

  private static final List<String> NODES = List.of("node1", "node2", "node3");

  private ComposeFile compose;
  private Path root;
  private Map<String, Object> services;

  @BeforeEach
  void parse() throws IOException {
    compose = ComposeFile.load("docker/compose.cluster.yaml");
    root = compose.root();
    Map<String, Object> doc = compose.doc();
    services = compose.services();
  }

  private Path configOf(String node) {
    List<String> volumes = ComposeFile.strings(compose.service(node), "volumes");
    assertThat(volumes).hasSize(1);
    String[] parts = volumes.get(0).split(":");
    assertThat(parts[1]).isEqualTo("/app/config.yaml");
    assertThat(parts[2]).isEqualTo("ro");
    return root.resolve("docker").resolve(parts[0]).normalize();
  }

  @Test
  void threeNodesOfTheImageBuiltFromTheDockerfile() {
    assertThat(services).containsOnlyKeys(NODES.toArray(String[]::new));
    for (String node : NODES) {
      Map<String, Object> s = compose.service(node);
      @SuppressWarnings("unchecked")
      Map<String, Object> build = (Map<String, Object>) s.get("build");
      Path context = root.resolve("docker").resolve(String.valueOf(build.get("context"))).normalize();
      assertThat(context).isEqualTo(root);
      assertThat(context.resolve(String.valueOf(build.get("dockerfile")))).isRegularFile();
      assertThat(s.get("image")).isEqualTo("locci/proxy:latest");
      assertThat(s.get("hostname")).isEqualTo(node);
      assertThat(ComposeFile.strings(s, "expose")).contains("8484", "8485", "5701");
    }
  }

  @Test
  void onlyTheProxiesArePublished() {
    List<String> published = new ArrayList<>();
    for (String node : NODES) {
      List<String> ports = ComposeFile.strings(compose.service(node), "ports");
      assertThat(ports).hasSize(1);
      assertThat(ports).allMatch(p -> p.matches("\\d+:8484"));
      published.addAll(ports);
    }
    assertThat(published).doesNotHaveDuplicates();
  }

  @Test
  void everyNodeConfigIsValidAndJoinsTheOthersByName() throws Exception {
    List<ProxyConfig> configs = new ArrayList<>();
    for (String node : NODES) {
      ProxyConfig c = ConfigLoader.load(configOf(node), ConfigOverrides.none());
      ClusterConfig cluster = c.cluster();
      assertThat(cluster.enabled()).isTrue();
      assertThat(cluster.host()).isEqualTo(node);
      assertThat(cluster.port()).isEqualTo(5701);
      assertThat(cluster.members()).containsExactlyInAnyOrderElementsOf(
          NODES.stream().map(n -> new ServerAddress(n, 5701)).toList());
      assertThat(c.server().bindAddress().port()).isEqualTo(8484);
      assertThat(c.controlApi().bindAddress()).isEqualTo(new ServerAddress("127.0.0.1", 8485));
      configs.add(c);
    }
    // One configuration for the cluster: the files differ only in the node's own cluster.host.
    List<ProxyConfig> shared = configs.stream().map(c -> c.withCluster(new ClusterConfig(true, c.cluster().name(),
        "-", c.cluster().port(), c.cluster().members()))).toList();
    assertThat(shared).containsOnly(shared.get(0));
    assertThat(configs.get(0).allMiddlewares().values()).anySatisfy(m ->
        assertThat(m).isInstanceOfSatisfying(MiddlewareConfig.RateLimiting.class,
            r -> assertThat(r.scope()).isEqualTo(RateLimitScope.CLUSTER)));
  }
}
