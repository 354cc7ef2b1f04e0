package cloud.locci.proxy.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.ConfigVerticle;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.testing.CheckedUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HealthEvents;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * HTTP checks of a {@code tls: true} group: the server's certificate (made at test time, for
 * {@code localhost}) is verified against {@code sni} when set, else the address's host, with the CA of
 * {@code ca_path}; {@code tls_verify: false} trusts anything.
 */
@ExtendWith(VertxExtension.class)
@SuppressWarnings("removal") // SelfSignedCertificate: the simplest way to make a certificate at test time
class HealthCheckTlsTest {

  private static final Duration FLIP = Duration.ofSeconds(10);

  private Vertx vertx;
  private HealthEvents events;
  private SelfSignedCertificate cert;
  private CheckedUpstream server;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.events = HealthEvents.listen(vertx);
    this.cert = SelfSignedCertificate.create("localhost");
    this.server = CheckedUpstream.start(vertx, "tls",
        new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions())).await();
  }

  private void deploy(String tlsKeys) {
    String yaml = """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        control_api:
          enabled: false
        load_balancer:
          upstream: app
        upstreams:
          app:
            servers: ["%s"]
            tls: true
        %s
            health_check:
              interval_secs: 1
              timeout_secs: 1
              path: /health
        """.formatted(server.address(), tlsKeys.indent(4).stripTrailing());
    ConfigVerticle cv = new ConfigVerticle(ProxyDeployment.parse(yaml), Optional.empty(), ConfigOverrides.none());
    vertx.deployVerticle(cv).await();
    vertx.deployVerticle(new HealthCheckVerticle()).await();
  }

  /**
   * Waits until the last check's outcome starts with {@code reason} and the server's state is
   * {@code healthy}. Outcomes, not the first flip: the very first TLS check of a JVM may time out while
   * the TLS machinery warms up on a busy machine.
   */
  private void awaitOutcome(String reason, boolean healthy) {
    ServerAddress a = ServerAddress.parse(server.address());
    Eventually.until(vertx, FLIP, "last check: " + reason, () -> vertx.eventBus()
        .<HealthReport>request(Addresses.HEALTH_GET, null)
        .map(m -> m.body().servers().stream()
            .anyMatch(s -> s.server().equals(a) && s.reason().startsWith(reason) && s.healthy() == healthy)))
        .await();
    events.drained();
  }

  @Test
  void checkVerifiesTheCertificateAgainstSniWithTheConfiguredCa() {
    deploy("sni: localhost\nca_path: \"" + cert.certificatePath() + "\"");
    awaitOutcome("HTTPS GET /health answered 200", true);

    server.healthStatus(500);
    HealthChanged down = events.next(FLIP);
    assertThat(down.healthy()).isFalse();
    assertThat(down.reason()).isEqualTo("HTTPS GET /health answered 500");

    server.healthStatus(200);
    HealthChanged up = events.next(FLIP);
    assertThat(up.healthy()).isTrue();
    assertThat(up.reason()).isEqualTo("HTTPS GET /health answered 200");
  }

  @Test
  void withoutSniTheAddressHostIsVerifiedAndDoesNotMatchTheCertificate() {
    deploy("ca_path: \"" + cert.certificatePath() + "\"");
    awaitOutcome("HTTPS GET /health failed: TLS handshake failed: No subject alternative names", false);
    assertThat(server.healthChecks()).isZero();
  }

  @Test
  void unknownCaFailsTheCheck() {
    deploy("sni: localhost");
    awaitOutcome("HTTPS GET /health failed: TLS handshake failed", false);
    assertThat(server.healthChecks()).isZero();
  }

  @Test
  void tlsVerifyFalseTrustsAnyCertificate() {
    deploy("tls_verify: false");
    awaitOutcome("HTTPS GET /health answered 200", true);
  }
}
