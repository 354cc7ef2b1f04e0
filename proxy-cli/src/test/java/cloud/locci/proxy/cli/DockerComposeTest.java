package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/compose.yaml}, parsed and checked without Docker: Traefik v3 in front with Let's
 * Encrypt, the proxy with its config mounted read-only, and the routers the seed guide describes.
 */
class DockerComposeTest {

  private ComposeFile compose;
  private Path root;
  private Map<String, Object> services;

  @BeforeEach
  void parse() throws IOException {
    compose = ComposeFile.load("docker/compose.yaml");
    root = compose.root();
    Map<String, Object> doc = compose.doc();
    services = compose.services();
    assertThat(doc).containsKey("volumes");
  }

  @SuppressWarnings("unchecked")
  private Map<String, String> labels() {
    return ((Map<String, Object>) compose.service("locci-proxy").get("labels")).entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
  }

  @Test
  void twoServices() {
    assertThat(services).containsOnlyKeys("traefik", "locci-proxy");
  }

  @Test
  void traefikTerminatesTlsWithLetsEncrypt() {
    Map<String, Object> traefik = compose.service("traefik");
    assertThat(String.valueOf(traefik.get("image"))).startsWith("traefik:v3");
    assertThat(ComposeFile.strings(traefik, "ports")).containsExactly("80:80", "443:443");
    assertThat(ComposeFile.strings(traefik, "command")).contains(
        "--providers.docker.exposedbydefault=false",
        "--entrypoints.web.address=:80",
        "--entrypoints.websecure.address=:443",
        "--certificatesresolvers.letsencrypt.acme.httpchallenge.entrypoint=web")
        .anyMatch(c -> c.startsWith("--certificatesresolvers.letsencrypt.acme.email=${ACME_EMAIL:?"))
        .anyMatch(c -> c.startsWith("--certificatesresolvers.letsencrypt.acme.storage=/letsencrypt/"));
    assertThat(ComposeFile.strings(traefik, "volumes")).contains("/var/run/docker.sock:/var/run/docker.sock:ro")
        .anyMatch(v -> v.endsWith(":/letsencrypt"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void proxyIsBuiltFromTheDockerfileWithItsConfigMountedReadOnly() {
    Map<String, Object> proxy = compose.service("locci-proxy");
    Map<String, Object> build = (Map<String, Object>) proxy.get("build");
    Path context = root.resolve("docker").resolve(String.valueOf(build.get("context"))).normalize();
    assertThat(context).isEqualTo(root);
    assertThat(context.resolve(String.valueOf(build.get("dockerfile")))).isRegularFile();

    assertThat(ComposeFile.strings(proxy, "volumes")).containsExactly("./config.yaml:/app/config.yaml:ro");
    assertThat(root.resolve("docker/config.yaml")).isRegularFile();
    assertThat(proxy).as("only Traefik reaches the proxy: no published ports").doesNotContainKey("ports");

    Map<String, Object> env = (Map<String, Object>) proxy.get("environment");
    assertThat(String.valueOf(env.get("LOCCI_LOG"))).startsWith("${LOCCI_LOG");
    assertThat(String.valueOf(env.get("RUST_LOG"))).startsWith("${RUST_LOG");
  }

  @Test
  void proxyHostIsHttpsWithARedirectFromHttp() {
    Map<String, String> l = labels();
    assertThat(l).containsEntry("traefik.enable", "true");
    String host = "Host(`${PROXY_HOST:-proxy.locci.cloud}`)";
    assertThat(l).containsEntry("traefik.http.routers.locci-proxy.rule", host)
        .containsEntry("traefik.http.routers.locci-proxy.entrypoints", "websecure")
        .containsEntry("traefik.http.routers.locci-proxy.tls.certresolver", "letsencrypt")
        .containsEntry("traefik.http.routers.locci-proxy.service", "locci-proxy")
        .containsEntry("traefik.http.services.locci-proxy.loadbalancer.server.port", "8484");
    assertThat(l).containsEntry("traefik.http.routers.locci-proxy-http.rule", host)
        .containsEntry("traefik.http.routers.locci-proxy-http.entrypoints", "web");
    String redirect = l.get("traefik.http.routers.locci-proxy-http.middlewares");
    assertThat(l).containsEntry("traefik.http.middlewares." + redirect + ".redirectscheme.scheme", "https");
  }

  @Test
  void traefiksDashboardIsNotPublished() {
    // --api.insecure serves the dashboard and Traefik's API without authentication on :8080.
    assertThat(ComposeFile.strings(compose.service("traefik"), "command")).noneMatch(c -> c.startsWith("--api"));
    assertThat(ComposeFile.strings(compose.service("traefik"), "ports")).noneMatch(p -> p.contains("8080"));
  }

  @Test
  void theControlApiIsNotPublished() {
    Map<String, String> l = labels();
    assertThat(l.values()).as("no router to the control API").noneMatch(v -> v.contains("CONTROL_HOST"));
    assertThat(l).as("no Traefik service on the control API's port")
        .noneSatisfy((k, v) -> assertThat(k.endsWith(".loadbalancer.server.port") && v.equals("8485")).isTrue());
    assertThat(ComposeFile.strings(compose.service("locci-proxy"), "expose")).containsExactly("8484");
    assertThat(compose.service("locci-proxy")).doesNotContainKey("ports");
  }

  @Test
  void shippedFilesCarryNoPlaceholderSecret() throws IOException {
    for (String file : List.of("docker/compose.yaml", "docker/config.yaml", "docker/default-config.yaml")) {
      String text = Files.readString(root.resolve(file), StandardCharsets.UTF_8);
      assertThat(text).as(file).doesNotContainIgnoringCase("change-me").doesNotContain("api_key:")
          .doesNotContain("jwt_secret:");
    }
  }

  @Test
  void everyRouterNamesADefinedServiceAndResolver() {
    Map<String, String> l = labels();
    l.forEach((key, value) -> {
      if (key.matches("traefik\\.http\\.routers\\.[^.]+\\.service")) {
        assertThat(l).as(key).containsKey("traefik.http.services." + value + ".loadbalancer.server.port");
      }
      if (key.endsWith(".tls.certresolver")) {
        assertThat(ComposeFile.strings(compose.service("traefik"), "command")).as(key)
            .anyMatch(c -> c.startsWith("--certificatesresolvers." + value + ".acme."));
      }
    });
  }
}
