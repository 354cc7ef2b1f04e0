package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/compose.tracing.yaml}, parsed and checked without Docker (which cannot run where this
 * project is tested): Jaeger v2 receiving OTLP/HTTP, the proxy built from the Dockerfile with a config
 * that is valid, traces to that Jaeger, and balances across services that exist in the file.
 */
class DockerTracingComposeTest {

  private ComposeFile compose;
  private Path root;
  private Map<String, Object> services;

  @BeforeEach
  void parse() throws IOException {
    compose = ComposeFile.load("docker/compose.tracing.yaml");
    root = compose.root();
    Map<String, Object> doc = compose.doc();
    services = compose.services();
  }

  @Test
  void jaegerReceivesOtlpOverHttpOnAllInterfacesAndShowsItsUi() {
    Map<String, Object> jaeger = compose.service("jaeger");
    assertThat(String.valueOf(jaeger.get("image"))).startsWith("jaegertracing/jaeger:2.");
    assertThat(ComposeFile.strings(jaeger, "command")).contains("--set=receivers.otlp.protocols.http.endpoint=0.0.0.0:4318");
    assertThat(ComposeFile.strings(jaeger, "expose")).contains("4318");
    assertThat(ComposeFile.strings(jaeger, "ports")).contains("16686:16686");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theProxyIsBuiltFromTheDockerfileAndItsMountedConfigTracesToJaeger() throws Exception {
    Map<String, Object> proxy = compose.service("locci-proxy");
    Map<String, Object> build = (Map<String, Object>) proxy.get("build");
    Path context = root.resolve("docker").resolve(String.valueOf(build.get("context"))).normalize();
    assertThat(context).isEqualTo(root);
    assertThat(context.resolve(String.valueOf(build.get("dockerfile")))).isRegularFile();
    assertThat(ComposeFile.strings(proxy, "volumes")).containsExactly("./tracing-config.yaml:/app/config.yaml:ro");
    assertThat(ComposeFile.strings(proxy, "depends_on")).contains("jaeger");

    Path file = root.resolve("docker/tracing-config.yaml");
    ProxyConfig config = ConfigLoader.parse(Files.readString(file), file.toString(), ConfigOverrides.none());
    assertThat(config.tracing().enabled()).isTrue();
    assertThat(config.tracing().otlpEndpoint()).isEqualTo("http://jaeger:4318/v1/traces");
    assertThat(ComposeFile.strings(proxy, "ports")).contains("8484:" + config.server().bindAddress().port());
    config.upstreams().values().forEach(u -> u.servers().forEach(s -> {
      String host = s.address().host();
      assertThat(services).as("upstream server %s is a service of the file", s.address()).containsKey(host);
      assertThat(ComposeFile.strings(compose.service(host), "expose")).contains(Integer.toString(s.address().port()));
    }));
  }
}
