package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Shared helpers of the config tests: parse YAML text, find lines, assert located errors. */
final class ConfigTestSupport {

  /** The source name every in-memory document is parsed under. */
  static final String SOURCE = "config.yaml";

  private ConfigTestSupport() {}

  static ProxyConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(yaml, SOURCE, ConfigOverrides.none());
  }

  static ProxyConfig parse(String yaml, ConfigOverrides overrides) throws ConfigException {
    return ConfigLoader.parse(yaml, SOURCE, overrides);
  }

  /** The exception {@code yaml} must fail with. */
  static ConfigException failure(String yaml) {
    return failure(yaml, ConfigOverrides.none());
  }

  static ConfigException failure(String yaml, ConfigOverrides overrides) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, SOURCE, overrides),
        "expected the configuration to be refused");
  }

  /** The 1-based line of the one line of {@code yaml} that contains {@code fragment}. */
  static int lineOf(String yaml, String fragment) {
    List<String> lines = yaml.lines().collect(Collectors.toList());
    List<Integer> hits = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(fragment)) {
        hits.add(i + 1);
      }
    }
    assertThat(hits).as("lines containing <%s>", fragment).hasSize(1);
    return hits.get(0);
  }

  /**
   * Asserts that {@code e} holds an error at {@code line} and {@code path} whose message contains
   * {@code fragment}, and that the exception message prints it as {@code config.yaml:LINE: PATH: ...}.
   */
  static ConfigError assertHasError(ConfigException e, int line, String path, String fragment) {
    assertThat(line).as("an error line must be positive").isPositive();
    List<ConfigError> matching = e.errors().stream()
        .filter(err -> err.line() == line && err.path().equals(path) && err.message().contains(fragment))
        .collect(Collectors.toList());
    assertThat(matching)
        .as("error at line %d, path <%s>, containing <%s>; got:%n%s", line, path, fragment, e.getMessage())
        .hasSize(1);
    ConfigError error = matching.get(0);
    assertThat(error.source()).isEqualTo(SOURCE);
    String printed = SOURCE + ":" + line + ": " + (path.isEmpty() ? "" : path + ": ");
    assertThat(error.toString()).startsWith(printed).contains(fragment);
    assertThat(e.getMessage().lines()).contains(error.toString());
    return error;
  }

  /** Like {@link #assertHasError}, and it is the only error. */
  static ConfigError assertOnlyError(ConfigException e, int line, String path, String fragment) {
    assertThat(e.errors()).as(e.getMessage()).hasSize(1);
    return assertHasError(e, line, path, fragment);
  }

  /** A minimal valid gateway document with {@code extra} appended (its own top-level keys). */
  static String gateway(String extra) {
    return """
        mode: api_gateway
        upstreams:
          users_service:
            servers: ["10.0.0.1:3000"]
          web_service:
            servers: ["10.0.0.2:3000"]
        """ + extra;
  }
}
