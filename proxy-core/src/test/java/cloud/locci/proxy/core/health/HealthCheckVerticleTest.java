package cloud.locci.proxy.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.ConfigVerticle;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.health.HealthReport.ServerHealth;
import cloud.locci.proxy.core.testing.CheckedUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HealthEvents;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The health checker on its own (config verticle + health-check verticle, no proxy): flips, reasons,
 * thresholds, timeouts, TCP checks, the report and what a config change keeps.
 */
@ExtendWith(VertxExtension.class)
class HealthCheckVerticleTest {

  private static final Duration FLIP = Duration.ofSeconds(10);

  private Vertx vertx;
  private HealthEvents events;
  private ConfigVerticle configVerticle;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.events = HealthEvents.listen(vertx);
  }

  /** A load-balancer config whose group {@code app} lists {@code servers} and has {@code healthCheck}. */
  static String config(String healthCheck, String... servers) {
    StringBuilder yaml = new StringBuilder("""
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        control_api:
          enabled: false
        load_balancer:
          upstream: app
        upstreams:
          app:
            servers:
        """);
    for (String s : servers) {
      yaml.append("      - \"").append(s).append("\"\n");
    }
    if (!healthCheck.isEmpty()) {
      yaml.append("    health_check:\n");
      healthCheck.lines().forEach(l -> yaml.append("      ").append(l).append('\n'));
    }
    return yaml.toString();
  }

  private void deploy(String yaml) {
    configVerticle = new ConfigVerticle(ProxyDeployment.parse(yaml), Optional.empty(), ConfigOverrides.none());
    vertx.deployVerticle(configVerticle).await();
    vertx.deployVerticle(new HealthCheckVerticle()).await();
  }

  private ServerHealth stateOf(String upstream, String address) {
    ServerAddress a = ServerAddress.parse(address);
    return events.report().servers().stream()
        .filter(s -> s.upstream().equals(upstream) && s.server().equals(a))
        .findFirst()
        .orElseThrow(() -> new AssertionError(upstream + "/" + address + " missing from the report"));
  }

  private void awaitReport(String what, java.util.function.Predicate<ServerHealth> condition, String address) {
    Eventually.until(vertx, FLIP, what, () -> vertx.eventBus()
        .<HealthReport>request(cloud.locci.proxy.core.bus.Addresses.HEALTH_GET, null)
        .map(m -> m.body().servers().stream()
            .anyMatch(s -> s.server().equals(ServerAddress.parse(address)) && condition.test(s))))
        .await();
  }

  @Test
  void serverAnswering500GoesDownOnceAndComesBackOnce() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    deploy(config("interval_secs: 1\ntimeout_secs: 1\npath: /health", a.address()));
    // The first check runs at start.
    events.awaitCheckedAndHealthy(FLIP, a.address());
    assertThat(stateOf("app", a.address()).reason()).isEqualTo("GET /health answered 200");

    a.healthStatus(500);
    HealthChanged down = events.next(FLIP);
    assertThat(down).isEqualTo(new HealthChanged("app", ServerAddress.parse(a.address()), false,
        "GET /health answered 500"));
    assertThat(stateOf("app", a.address())).satisfies(s -> {
      assertThat(s.healthy()).isFalse();
      assertThat(s.checked()).isTrue();
    });

    // Further failing checks announce nothing more: one event per flip.
    int checks = a.healthChecks();
    Eventually.untilTrue(vertx, FLIP, "two more checks", () -> a.healthChecks() >= checks + 2).await();
    a.healthStatus(204);
    HealthChanged up = events.next(FLIP);
    assertThat(up.healthy()).isTrue();
    assertThat(up.reason()).isEqualTo("GET /health answered 204");
    assertThat(events.drained()).isEmpty();
  }

  @Test
  void aCheckWithoutAnswerWithinTimeoutFails() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    deploy(config("interval_secs: 1\ntimeout_secs: 1\npath: /health", a.address()));
    a.healthSilent();
    HealthChanged down = events.next(FLIP);
    assertThat(down.healthy()).isFalse();
    assertThat(down.reason()).isEqualTo("GET /health timed out after 1 s");
  }

  @Test
  void tcpCheckFollowsThePortClosingAndReopening() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    deploy(config("interval_secs: 1\ntimeout_secs: 1", a.address()));
    events.awaitCheckedAndHealthy(FLIP, a.address());
    assertThat(stateOf("app", a.address()).reason()).isEqualTo("TCP connect succeeded");

    a.close().await();
    HealthChanged down = events.next(FLIP);
    assertThat(down.healthy()).isFalse();
    assertThat(down.reason()).startsWith("TCP connect failed: ").containsIgnoringCase("refused");

    a.reopen().await();
    HealthChanged up = events.next(FLIP);
    assertThat(up.healthy()).isTrue();
    assertThat(up.reason()).isEqualTo("TCP connect succeeded");
    // No HTTP request was made: a TCP check only connects.
    assertThat(a.healthChecks()).isZero();
  }

  @Test
  void thresholdsNeedConsecutiveResultsBeforeAFlip() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    deploy(config("interval_secs: 1\ntimeout_secs: 1\npath: /health\nunhealthy_threshold: 2\nhealthy_threshold: 2",
        a.address()));
    awaitReport("first check passed", s -> s.reason().endsWith("answered 200"), a.address());
    events.drained();

    a.healthStatus(503);
    // One failure is recorded while the server is still in rotation...
    awaitReport("one failure seen, still healthy", s -> s.reason().endsWith("answered 503") && s.healthy(),
        a.address());
    assertThat(events.drained()).isEmpty();
    // ...the second one takes it out.
    HealthChanged down = events.next(FLIP);
    assertThat(down.healthy()).isFalse();
    assertThat(down.reason()).isEqualTo("GET /health answered 503 (2 consecutive failures)");

    a.healthStatus(200);
    awaitReport("one success seen, still down", s -> s.reason().endsWith("answered 200") && !s.healthy(),
        a.address());
    assertThat(events.drained()).isEmpty();
    HealthChanged up = events.next(FLIP);
    assertThat(up.healthy()).isTrue();
    assertThat(up.reason()).isEqualTo("GET /health answered 200 (2 consecutive successes)");
  }

  @Test
  void reportListsEveryServerAndUncheckedOnesAreHealthy() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    String yaml = config("interval_secs: 1\ntimeout_secs: 1\npath: /health", a.address()) + """
          plain:
            servers: ["127.0.0.1:9", "127.0.0.1:10"]
        """;
    deploy(yaml);
    HealthReport report = events.report();
    assertThat(report.servers()).extracting(ServerHealth::upstream, s -> s.server().toString(), ServerHealth::checked)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("app", a.address(), true),
            org.assertj.core.groups.Tuple.tuple("plain", "127.0.0.1:9", false),
            org.assertj.core.groups.Tuple.tuple("plain", "127.0.0.1:10", false));
    assertThat(report.servers()).allMatch(ServerHealth::healthy);
    assertThat(stateOf("plain", "127.0.0.1:9").reason()).isEmpty();
  }

  @Test
  void configChangeKeepsTheStateOfUnchangedServersAndChecksNewOnesAtOnce() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    String check = "interval_secs: 1\ntimeout_secs: 1\npath: /health";
    deploy(config(check, a.address()));
    events.awaitCheckedAndHealthy(FLIP, a.address());
    a.healthStatus(500);
    assertThat(events.next(FLIP).healthy()).isFalse();

    // A new version that adds a server to the group and another group: a stays down, no new flip.
    ProxyConfig next = ProxyDeployment.parse(config(check, a.address(), b.address()) + """
          other:
            servers: ["127.0.0.1:9"]
        """);
    configVerticle.apply(next, "test").await();
    assertThat(stateOf("app", a.address()).healthy()).isFalse();
    // b is checked at once, long before a whole interval has passed.
    Eventually.untilTrue(vertx, FLIP, "b checked", () -> b.healthChecks() >= 1).await();
    int checks = a.healthChecks();
    Eventually.untilTrue(vertx, FLIP, "two more checks of a", () -> a.healthChecks() >= checks + 2).await();
    assertThat(events.drained()).isEmpty();
    assertThat(stateOf("app", a.address()).healthy()).isFalse();
    assertThat(stateOf("app", b.address()).healthy()).isTrue();
  }

  @Test
  void removedServerThatWasDownIsAnnouncedHealthyAndNoLongerChecked() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    String check = "interval_secs: 1\ntimeout_secs: 1\npath: /health";
    deploy(config(check, a.address(), b.address()));
    events.awaitCheckedAndHealthy(FLIP, a.address(), b.address());
    a.healthStatus(500);
    assertThat(events.next(FLIP).healthy()).isFalse();

    configVerticle.apply(ProxyDeployment.parse(config(check, b.address())), "test").await();
    HealthChanged cleared = events.next(FLIP);
    assertThat(cleared).isEqualTo(new HealthChanged("app", ServerAddress.parse(a.address()), true,
        "no longer health-checked"));
    int checks = a.healthChecks();
    int checksOfB = b.healthChecks();
    Eventually.untilTrue(vertx, FLIP, "two more checks of b", () -> b.healthChecks() >= checksOfB + 2).await();
    assertThat(a.healthChecks()).isEqualTo(checks);
    assertThat(events.report().servers()).extracting(s -> s.server().toString()).containsExactly(b.address());
  }

  @Test
  void changedCheckSettingsKeepTheServerDownUntilTheNewCheckPasses() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    deploy(config("interval_secs: 1\ntimeout_secs: 1\npath: /health", a.address()));
    events.awaitCheckedAndHealthy(FLIP, a.address());
    a.healthStatus(500);
    assertThat(events.next(FLIP).healthy()).isFalse();

    // Now a TCP check, which passes: the server was down and comes back through a check, not a reset.
    configVerticle.apply(ProxyDeployment.parse(config("interval_secs: 1\ntimeout_secs: 1", a.address())), "test")
        .await();
    HealthChanged up = events.next(FLIP);
    assertThat(up.healthy()).isTrue();
    assertThat(up.reason()).isEqualTo("TCP connect succeeded");
  }

  @Test
  void undeployStopsEveryCheck() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    configVerticle = new ConfigVerticle(ProxyDeployment.parse(
        config("interval_secs: 1\ntimeout_secs: 1\npath: /health", a.address())), Optional.empty(),
        ConfigOverrides.none());
    vertx.deployVerticle(configVerticle).await();
    String id = vertx.deployVerticle(new HealthCheckVerticle()).await();
    Eventually.untilTrue(vertx, FLIP, "first check", () -> a.healthChecks() >= 1).await();
    vertx.undeploy(id).await();
    int checks = a.healthChecks();
    // A check after undeploy would arrive within one interval; wait well past it on a timer event.
    Future<Void> later = Future.future(p -> vertx.setTimer(2_500, t -> p.complete()));
    later.await();
    assertThat(a.healthChecks()).isEqualTo(checks);
  }
}
