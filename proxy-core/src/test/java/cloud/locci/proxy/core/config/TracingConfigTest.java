package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertOnlyError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static cloud.locci.proxy.core.config.ConfigTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code tracing} section: defaults, accepted values, and one located error per bad value. */
class TracingConfigTest {

  private static String lb(String tracing) {
    return """
        mode: load_balancer
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
        load_balancer:
          upstream: web
        tracing:
        %s
        """.formatted(tracing.indent(2).stripTrailing());
  }

  @Test
  void absentMeansOffWithTheDocumentedDefaults() throws Exception {
    ProxyConfig c = parse("""
        mode: load_balancer
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
        load_balancer:
          upstream: web
        """);
    assertThat(c.tracing()).isEqualTo(new TracingConfig(false, "http://localhost:4318/v1/traces", 1.0, "locci-proxy"));
  }

  @Test
  void everyKeyIsRead() throws Exception {
    ProxyConfig c = parse(lb("""
        enabled: true
        otlp_endpoint: "https://collector.example.com:4318/v1/traces"
        sample_ratio: 0.125
        service_name: edge"""));
    assertThat(c.tracing()).isEqualTo(new TracingConfig(true, "https://collector.example.com:4318/v1/traces",
        0.125, "edge"));
    assertThat(parse(lb("sample_ratio: 0")).tracing().sampleRatio()).isZero();
    assertThat(parse(lb("sample_ratio: 1")).tracing().sampleRatio()).isEqualTo(1.0);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ftp://collector:4318/v1/traces | must start with http:// or https://",
      "collector:4318/v1/traces | must start with http:// or https://",
      "http://collector/v1/traces | must name its port",
      "http://:4318/v1/traces | has no host",
      "http://collector:4318 | needs the traces path, usually /v1/traces",
      "http://collector:4318/ | needs the traces path",
      "http://user:pw@collector:4318/v1/traces | must not contain user info, a query or a fragment",
      "http://collector:4318/v1/traces?x=1 | must not contain user info",
      "http://collector:4318/v1/traces#f | must not contain user info",
      "http://coll ector:4318/v1/traces | not a URL",
  })
  void aBadEndpointIsOneErrorAtItsLine(String endpoint, String message) {
    String yaml = lb("otlp_endpoint: \"" + endpoint + "\"");
    assertOnlyError(failure(yaml), lineOf(yaml, "otlp_endpoint"), "tracing.otlp_endpoint", message);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1.5 | must be between 0.0 and 1.0, got 1.5",
      "-0.1 | must be between 0.0 and 1.0, got -0.1",
      "2 | must be between 0.0 and 1.0, got 2",
      ".nan | expected a number",
      "half | expected a number, got string",
  })
  void aRatioOutsideZeroToOneIsRefused(String ratio, String message) {
    String yaml = lb("sample_ratio: " + ratio);
    assertOnlyError(failure(yaml), lineOf(yaml, "sample_ratio"), "tracing.sample_ratio", message);
  }

  @Test
  void serviceNameAndEnabledAreChecked() {
    String empty = lb("service_name: \"\"");
    assertOnlyError(failure(empty), lineOf(empty, "service_name"), "tracing.service_name", "must not be empty");
    String control = lb("service_name: \"a\\u0007b\"");
    assertOnlyError(failure(control), lineOf(control, "service_name"), "tracing.service_name", "control characters");
    String notBool = lb("enabled: yes please");
    assertOnlyError(failure(notBool), lineOf(notBool, "enabled"), "tracing.enabled", "expected true or false");
    String typo = lb("sample_rate: 0.5");
    assertOnlyError(failure(typo), lineOf(typo, "sample_rate"), "tracing.sample_rate", "did you mean \"sample_ratio\"?");
  }

  @Test
  void aChangeShowsInTheReloadDiff() throws Exception {
    ProxyConfig off = parse(lb("enabled: false"));
    ProxyConfig on = off.withTracing(new TracingConfig(true, "http://c:4318/v1/traces", 0.5, "p"));
    assertThat(ConfigDiff.between(off, on).sections()).containsExactly("tracing");
  }
}
