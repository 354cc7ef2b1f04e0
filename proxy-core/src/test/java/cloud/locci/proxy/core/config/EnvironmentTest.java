package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .env} parsing and precedence; only {@link Environment#of}, never the real environment. */
class EnvironmentTest {

  @TempDir
  Path dir;

  private Path dotEnv(String text) throws IOException {
    return Files.writeString(dir.resolve(".env"), text);
  }

  @Test
  void dotEnvSyntax() throws IOException {
    Environment env = Environment.of(Map.of(), dotEnv("""
        # a comment line
           # an indented comment

        PLAIN=value
        export EXPORTED=yes
        DOUBLE="quoted value"
        SINGLE='single # not a comment'
        HASHED="keeps # inside quotes"
        TRAILING=bare value # a trailing comment
        EQUALS=a=b=c
          SPACED  =  around
        EMPTY=
        EMPTY_QUOTES=""
        NO_EQUALS_SIGN
        =no_key
        """));

    assertThat(env.get("PLAIN")).contains("value");
    assertThat(env.get("EXPORTED")).contains("yes");
    assertThat(env.get("export EXPORTED")).isEmpty();
    assertThat(env.get("DOUBLE")).contains("quoted value");
    assertThat(env.get("SINGLE")).contains("single # not a comment");
    assertThat(env.get("HASHED")).contains("keeps # inside quotes");
    assertThat(env.get("TRAILING")).contains("bare value");
    assertThat(env.get("EQUALS")).contains("a=b=c");
    assertThat(env.get("SPACED")).contains("around");
    assertThat(env.get("EMPTY")).as("blank values count as unset").isEmpty();
    assertThat(env.get("EMPTY_QUOTES")).isEmpty();
    assertThat(env.get("NO_EQUALS_SIGN")).isEmpty();
    assertThat(env.get("# a comment line")).isEmpty();
    assertThat(env.get("")).isEmpty();
  }

  @Test
  void parseDotEnvReturnsOnlyAssignments() {
    Map<String, String> vars = Environment.parseDotEnv(List.of("# c", "", "A=1", "export B='2'", "junk", "C=\"3\""));

    assertThat(vars).containsOnly(Map.entry("A", "1"), Map.entry("B", "2"), Map.entry("C", "3"));
  }

  @Test
  void realEnvironmentWinsOverDotEnv() throws IOException {
    Environment env = Environment.of(Map.of("LOCCI_API_KEY", "from-shell"), dotEnv("""
        LOCCI_API_KEY=from-dotenv
        ONLY_IN_FILE=file
        """));

    assertThat(env.get("LOCCI_API_KEY")).contains("from-shell");
    assertThat(env.get("ONLY_IN_FILE")).contains("file");
  }

  @Test
  void missingDotEnvIsJustTheEnvironment() throws IOException {
    Environment env = Environment.of(Map.of("A", "1"), dir.resolve(".env"));

    assertThat(env.get("A")).contains("1");
    assertThat(env.logLevel()).isEmpty();
  }

  @Test
  void locciLogWinsOverRustLogInTheEnvironment() throws IOException {
    Environment env = Environment.of(Map.of("RUST_LOG", "debug", "LOCCI_LOG", "warn"), dir.resolve(".env"));

    assertThat(env.logLevel()).contains("warn");
  }

  @Test
  void locciLogWinsOverRustLogInDotEnv() throws IOException {
    Environment env = Environment.of(Map.of(), dotEnv("RUST_LOG=debug\nLOCCI_LOG=error\n"));

    assertThat(env.logLevel()).contains("error");
  }

  @Test
  void rustLogAloneIsAnAliasForTheSeedsDotEnvFiles() throws IOException {
    Environment env = Environment.of(Map.of(), dotEnv("RUST_LOG=locci_proxy=debug,pingora_core=warn\n"));

    assertThat(env.logLevel()).contains("locci_proxy=debug,pingora_core=warn");
  }

  @Test
  void rustLogFromTheShellWinsOverRustLogInDotEnv() throws IOException {
    Environment env = Environment.of(Map.of("RUST_LOG", "trace"), dotEnv("RUST_LOG=debug\n"));

    assertThat(env.logLevel()).contains("trace");
  }

  @Test
  void blankLocciLogFallsBackToRustLog() throws IOException {
    Environment env = Environment.of(Map.of("LOCCI_LOG", " ", "RUST_LOG", "info"), dir.resolve(".env"));

    assertThat(env.logLevel()).contains("info");
  }
}
