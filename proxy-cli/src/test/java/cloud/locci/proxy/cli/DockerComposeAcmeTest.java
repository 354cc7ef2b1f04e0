package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.AcmeConfig;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/compose.acme.yaml} and its {@code docker/config.acme.yaml}, checked without Docker: the
 * proxy alone on 80 and 443 with its own ACME certificates kept in a volume, the control API unpublished.
 */
class DockerComposeAcmeTest {

  private ComposeFile compose;
  private Path root;
  private Map<String, Object> doc;

  @BeforeEach
  void parse() throws IOException {
    compose = ComposeFile.load("docker/compose.acme.yaml");
    root = compose.root();
    doc = compose.doc();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> proxy() {
    Map<String, Object> services = (Map<String, Object>) doc.get("services");
    assertThat(services).as("no Traefik: the proxy terminates TLS itself").containsOnlyKeys("locci-proxy");
    return (Map<String, Object>) services.get("locci-proxy");
  }

  @Test
  @SuppressWarnings("unchecked")
  void onlyTheHttpAndHttpsPortsArePublished() {
    Map<String, Object> proxy = proxy();
    assertThat(ComposeFile.strings(proxy, "ports")).containsExactly("80:80", "443:443");
    Map<String, Object> sysctls = (Map<String, Object>) proxy.get("sysctls");
    assertThat(String.valueOf(sysctls.get("net.ipv4.ip_unprivileged_port_start"))).isEqualTo("0");
    Map<String, Object> build = (Map<String, Object>) proxy.get("build");
    assertThat(root.resolve("docker").resolve(String.valueOf(build.get("context"))).normalize()).isEqualTo(root);
  }

  @Test
  void theConfigIsValidAndListensWhereTheComposeFilePublishes() throws Exception {
    Map<String, Object> proxy = proxy();
    assertThat(ComposeFile.strings(proxy, "volumes")).contains("./config.acme.yaml:/app/config.yaml:ro");
    ProxyConfig c = ConfigLoader.load(root.resolve("docker/config.acme.yaml"), ConfigOverrides.none());

    assertThat(c.server().bindAddress()).isEqualTo(new ServerAddress("0.0.0.0", 443));
    assertThat(c.server().httpBindAddress()).contains(new ServerAddress("0.0.0.0", 80));
    assertThat(c.server().httpsRedirect()).isTrue();
    AcmeConfig acme = c.server().tls().orElseThrow().acme().orElseThrow();
    assertThat(acme.challenge()).isEqualTo(AcmeConfig.Challenge.HTTP_01);
    assertThat(acme.directoryUrl()).isEqualTo(AcmeConfig.DEFAULT_DIRECTORY_URL);
    assertThat(c.controlApi().bindAddress().host()).as("control API on the container's loopback only")
        .isEqualTo("127.0.0.1");
  }

  @Test
  void certificatesLiveInANamedVolume() throws Exception {
    ProxyConfig c = ConfigLoader.load(root.resolve("docker/config.acme.yaml"), ConfigOverrides.none());
    String storage = c.server().tls().orElseThrow().acme().orElseThrow().storagePath();
    List<String> mounts = ComposeFile.strings(proxy(), "volumes");
    String volume = mounts.stream().filter(m -> !m.startsWith(".")).findFirst().orElseThrow();
    String[] parts = volume.split(":");
    assertThat(storage).as("storage_path inside the volume " + volume).startsWith(parts[1] + "/");
    assertThat(doc).containsKey("volumes");
    assertThat(((Map<?, ?>) doc.get("volumes")).keySet()).map(String::valueOf).contains(parts[0]);
  }
}
