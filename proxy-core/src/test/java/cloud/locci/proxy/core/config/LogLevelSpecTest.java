package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Log level specs as {@code logging.level}, {@code --log-level}, {@code LOCCI_LOG} and {@code RUST_LOG} give them. */
class LogLevelSpecTest {

  @Test
  void singleLevel() {
    LogLevelSpec s = LogLevelSpec.parse("info");

    assertThat(s.root()).contains("info");
    assertThat(s.loggers()).isEmpty();
    assertThat(s.ignored()).isEmpty();
    assertThat(s.problems()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"trace", "debug", "info", "warn", "error", "off"})
  void everyLevel(String level) {
    assertThat(LogLevelSpec.parse(level).root()).contains(level);
    assertThat(LogLevelSpec.parse(level.toUpperCase()).root()).contains(level);
  }

  @Test
  void warningIsWarn() {
    assertThat(LogLevelSpec.parse("WARNING").root()).contains("warn");
  }

  @Test
  void perLoggerLevels() {
    LogLevelSpec s = LogLevelSpec.parse("cloud.locci=debug,io.netty=warn");

    assertThat(s.root()).isEmpty();
    assertThat(s.loggers()).containsExactly(Map.entry("cloud.locci", "debug"), Map.entry("io.netty", "warn"));
    assertThat(s.problems()).isEmpty();
  }

  @Test
  void perLoggerLevelsKeepTheOrderGiven() {
    LogLevelSpec s = LogLevelSpec.parse("io.vertx=error, z.last=trace ,cloud.locci=debug,a.first=info,io.netty=warn");

    assertThat(s.loggers().keySet()).containsExactly("io.vertx", "z.last", "cloud.locci", "a.first", "io.netty");
  }

  @Test
  void rootAndPerLogger() {
    LogLevelSpec s = LogLevelSpec.parse("warn,cloud.locci=debug");

    assertThat(s.root()).contains("warn");
    assertThat(s.loggers()).containsExactly(Map.entry("cloud.locci", "debug"));
    assertThat(s.problems()).isEmpty();
  }

  @Test
  void rustCrateNamesOfTheSeed() {
    LogLevelSpec s = LogLevelSpec.parse("locci_proxy=debug,pingora_core=warn");

    assertThat(s.root()).isEmpty();
    assertThat(s.loggers()).containsExactly(Map.entry("cloud.locci", "debug"));
    assertThat(s.ignored()).containsExactly("pingora_core");
    assertThat(s.problems()).isEmpty();
  }

  @Test
  void rustModulePathsOfTheProxyMeanCloudLocci() {
    LogLevelSpec s = LogLevelSpec.parse("locci_proxy::config=trace,tokio::net=warn");

    assertThat(s.loggers()).containsExactly(Map.entry("cloud.locci", "trace"));
    assertThat(s.ignored()).containsExactly("tokio::net");
  }

  @Test
  void badLevelIsReported() {
    LogLevelSpec s = LogLevelSpec.parse("verbose");

    assertThat(s.root()).isEmpty();
    assertThat(s.problems()).containsExactly(
        "unknown log level \"verbose\"; expected trace, debug, info, warn, error or off");
  }

  @Test
  void badLevelOfOneLoggerIsReportedAndTheRestKept() {
    LogLevelSpec s = LogLevelSpec.parse("info,cloud.locci=loud,io.netty=warn");

    assertThat(s.root()).contains("info");
    assertThat(s.loggers()).containsExactly(Map.entry("io.netty", "warn"));
    assertThat(s.problems()).singleElement().asString().contains("\"loud\"");
  }

  @Test
  void entryWithoutALoggerName() {
    assertThat(LogLevelSpec.parse("=debug").problems()).containsExactly("\"=debug\" names no logger");
  }

  @Test
  void emptyPartsAreSkipped() {
    LogLevelSpec s = LogLevelSpec.parse(" ,debug,, ");

    assertThat(s.root()).contains("debug");
    assertThat(s.problems()).isEmpty();
  }

  @Test
  void lastRootLevelWins() {
    assertThat(LogLevelSpec.parse("info,debug").root()).contains("debug");
  }
}
