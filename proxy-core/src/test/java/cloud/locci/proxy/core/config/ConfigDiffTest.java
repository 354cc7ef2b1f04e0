package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.ProxyDeployment;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {

  private static final String BEFORE = """
      mode: api_gateway
      upstreams:
        a: {servers: ["127.0.0.1:3001"]}
        b: {servers: ["127.0.0.1:3002"]}
      api_gateway:
        routes:
          keep: {path_pattern: "^/keep", upstream: a}
          change: {path_pattern: "^/change", upstream: a}
          drop: {path_pattern: "^/drop", upstream: b}
        middlewares:
          rate_limiting: {requests_per_minute: 60}
      """;

  @Test
  void namesWhatWasAddedRemovedAndChangedPerKind() {
    ProxyConfig before = ProxyDeployment.parse(BEFORE);
    ProxyConfig after = ProxyDeployment.parse("""
        mode: api_gateway
        server: {idle_timeout_secs: 30}
        upstreams:
          a: {servers: ["127.0.0.1:3001", "127.0.0.1:3003"]}
          c: {servers: ["127.0.0.1:3004"]}
        api_gateway:
          routes:
            keep: {path_pattern: "^/keep", upstream: a}
            change: {path_pattern: "^/change", upstream: a, strip_prefix: true}
            fresh: {path_pattern: "^/fresh", upstream: c}
          middlewares:
            rate_limiting: {requests_per_minute: 120}
            cors: {}
        """);

    ConfigDiff diff = ConfigDiff.between(before, after);

    assertThat(diff.routes().added()).containsExactly("fresh");
    assertThat(diff.routes().removed()).containsExactly("drop");
    assertThat(diff.routes().changed()).containsExactly("change");
    assertThat(diff.upstreams().added()).containsExactly("c");
    assertThat(diff.upstreams().removed()).containsExactly("b");
    assertThat(diff.upstreams().changed()).containsExactly("a");
    assertThat(diff.middlewares().added()).containsExactly("cors");
    assertThat(diff.middlewares().changed()).containsExactly("rate_limiting");
    assertThat(diff.sections()).containsExactly("server");
    assertThat(diff.toString()).contains("routes: added [fresh] removed [drop] changed [change]");
    // The keys, from the schema's JSON view: leaves that changed, entries that came or went.
    assertThat(diff.keys()).containsExactly("server.idle_timeout_secs", "upstreams.a.servers", "upstreams.b",
        "upstreams.c", "api_gateway.routes.change.strip_prefix", "api_gateway.routes.drop",
        "api_gateway.routes.fresh", "api_gateway.middlewares.rate_limiting.requests_per_minute",
        "api_gateway.middlewares.rate_limiting.burst_size", "api_gateway.middlewares.cors");
    assertThat(diff.toString()).endsWith("; keys: " + String.join(", ", diff.keys()));
  }

  @Test
  void keysNeverCarryASecretsValue() {
    String secret = "0123456789abcdef0123456789abcdef-one";
    String yaml = BEFORE.replace("rate_limiting: {requests_per_minute: 60}",
        "authentication: {jwt_secret: " + secret + "}");
    ConfigDiff diff = ConfigDiff.between(ProxyDeployment.parse(yaml),
        ProxyDeployment.parse(yaml.replace(secret, secret.replace("one", "two"))));
    assertThat(diff.keys()).containsExactly("api_gateway.middlewares.authentication.jwt_secret");
    assertThat(diff.toString()).doesNotContain("0123456789");
  }

  @Test
  void equalConfigsHaveAnEmptyDiff() {
    ConfigDiff diff = ConfigDiff.between(ProxyDeployment.parse(BEFORE), ProxyDeployment.parse(BEFORE));
    assertThat(diff.isEmpty()).isTrue();
    assertThat(diff.toString()).isEqualTo("routes: unchanged; upstreams: unchanged; middlewares: unchanged");
  }
}
