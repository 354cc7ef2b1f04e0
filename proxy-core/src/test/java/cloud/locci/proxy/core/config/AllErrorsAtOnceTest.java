package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertHasError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad file is reported with every one of its errors in one exception, in file order. */
class AllErrorsAtOnceTest {

  @Test
  void bindingAndValidationErrorsTogetherOrderedByLine(@TempDir Path dir) {
    Path missingCa = dir.resolve("ca.pem");
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "0.0.0.0"
          workers: many
        logging:
          level: chatty
        upstreams:
          users_service:
            servers: ["10.0.0.1:3000", "http://10.0.0.2:3000"]
            stratgy: round_robin
            tls: true
            ca_path: "CA"
        api_gateway:
          routes:
            users:
              path_pattern: "^/api/("
              upstream: user_service
              middlewares: [auth]
        """.replace("CA", missingCa.toString());

    ConfigException e = failure(yaml);

    // Binding errors (no port, type, scheme, unknown key) and validation errors (log level, file,
    // regex, references) come out interleaved, sorted by line.
    assertThat(e.errors()).extracting(ConfigError::line, ConfigError::path).containsExactly(
        tuple(3, "server.bind_address"),
        tuple(4, "server.workers"),
        tuple(6, "logging.level"),
        tuple(9, "upstreams.users_service.servers[1]"),
        tuple(10, "upstreams.users_service.stratgy"),
        tuple(12, "upstreams.users_service.ca_path"),
        tuple(16, "api_gateway.routes.users.path_pattern"),
        tuple(17, "api_gateway.routes.users.upstream"),
        tuple(18, "api_gateway.routes.users.middlewares[0]"));
    assertHasError(e, 3, "server.bind_address", "has no port");
    assertHasError(e, 4, "server.workers", "expected an integer");
    assertHasError(e, 6, "logging.level", "unknown log level \"chatty\"");
    assertHasError(e, 9, "upstreams.users_service.servers[1]", "has a scheme");
    assertHasError(e, 10, "upstreams.users_service.stratgy", "did you mean \"strategy\"?");
    assertHasError(e, 12, "upstreams.users_service.ca_path", "does not exist");
    assertHasError(e, 16, "api_gateway.routes.users.path_pattern", "invalid regular expression");
    assertHasError(e, 17, "api_gateway.routes.users.upstream", "known: users_service");
    assertHasError(e, 18, "api_gateway.routes.users.middlewares[0]", "unknown middleware \"auth\"");

    // One line per error in the message, in the same order, nothing else (the file is never echoed).
    List<String> printed = e.getMessage().lines().toList();
    assertThat(printed).hasSize(9).allSatisfy(l -> assertThat(l).startsWith("config.yaml:"));
    assertThat(printed).containsExactlyElementsOf(e.errors().stream().map(ConfigError::toString).toList());
    assertThat(e.getMessage()).doesNotContain("mode: api_gateway");
  }

  @Test
  void aMissingModeDoesNotHideTheOtherErrors() {
    String yaml = """
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
        api_gateway:
          routes:
            users:
              path_pattern: "^/api/("
              upstream: web_service
        """;

    ConfigException e = failure(yaml);

    assertThat(e.errors()).extracting(ConfigError::path)
        .containsExactly("mode", "api_gateway.routes.users.path_pattern", "api_gateway.routes.users.upstream");
    assertHasError(e, 1, "mode", "missing required key");
    assertHasError(e, lineOf(yaml, "path_pattern"), "api_gateway.routes.users.path_pattern",
        "invalid regular expression");
    assertHasError(e, lineOf(yaml, "web_service"), "api_gateway.routes.users.upstream",
        "unknown upstream \"web_service\"");
  }

  @Test
  void anInvalidModeDoesNotHideTheOtherErrorsNorAddASectionError() {
    String yaml = """
        mode: loadbalancer
        upstreams:
          web:
            servers: ["10.0.0.1"]
        """;

    ConfigException e = failure(yaml);

    assertThat(e.errors()).extracting(ConfigError::path).containsExactly("mode", "upstreams.web.servers[0]");
    assertHasError(e, 1, "mode", "unknown mode \"loadbalancer\"");
    assertHasError(e, 4, "upstreams.web.servers[0]", "has no port");
  }

  @Test
  void manyErrorsOnOneLineAndManyLinesStayInFileOrder() {
    StringBuilder sb = new StringBuilder("mode: load_balancer\nupstreams:\n");
    for (int i = 0; i < 12; i++) {
      sb.append("  g").append(i).append(":\n    servers: [\"h").append(i).append("\"]\n");
    }
    sb.append("load_balancer:\n  upstream: nowhere\n");

    ConfigException e = failure(sb.toString());

    assertThat(e.errors()).hasSize(13);
    assertThat(e.errors()).isSortedAccordingTo(Comparator.comparingInt(ConfigError::line));
    assertThat(e.errors().get(12).path()).isEqualTo("load_balancer.upstream");
    assertThat(e.errors().get(0)).isEqualTo(new ConfigError("config.yaml", 4, "upstreams.g0.servers[0]",
        "\"h0\" has no port; expected host:port, e.g. \"h0:8080\""));
  }
}
