package cloud.locci.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import org.junit.jupiter.api.Test;

/** Which ACME-related changes a reload applies live and which need a restart. */
class AcmeRestartRequiredTest {

  private static ProxyConfig config(String server) {
    return ProxyDeployment.parse("""
        mode: load_balancer
        server: %s
        upstreams: {app: {servers: ["10.0.0.1:80"]}}
        load_balancer: {upstream: app}
        """.formatted(server));
  }

  private static final String TWO = "{http_bind_address: \"0.0.0.0:80\", tls: {acme: {domains: [a.example.com, b.example.com]}}}";

  @Test
  void changesInsideAcmeApplyLive() {
    ProxyConfig before = config("{http_bind_address: \"0.0.0.0:80\", tls: {acme: {domains: [a.example.com]}}}");
    ProxyConfig after = config("{http_bind_address: \"0.0.0.0:80\", https_redirect: true, "
        + "tls: {acme: {domains: [a.example.com, b.example.com], renew_before_days: 10}}}");
    assertThat(ConfigVerticle.restartRequired(before, after)).isEmpty();
  }

  @Test
  void addingAcmeOrMovingThePlainListenerNeedsARestart() {
    assertThat(ConfigVerticle.restartRequired(config("{http_bind_address: \"0.0.0.0:80\"}"), config(TWO)))
        .containsExactly("server.tls");
    assertThat(ConfigVerticle.restartRequired(config(TWO), config(TWO.replace(":80", ":8080"))))
        .containsExactly("server.http_bind_address");
  }
}
