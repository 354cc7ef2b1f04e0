package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.testing.CheckedUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.upstream.PassiveState;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Passive ejection ({@code passive.max_fails} within {@code fail_timeout_secs}, nginx semantics) through a
 * real load-balancer deployment with two proxy instances and no active checks.
 */
@ExtendWith(VertxExtension.class)
class PassiveEjectionTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private static String config(String passive, String... servers) {
    return """
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
        %s
        """.formatted(String.join("\", \"", servers), passive.indent(4).stripTrailing());
  }

  private ProxyDeployment deploy(String yaml) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 2).await();
  }

  private PassiveState passiveOf(String address) {
    return UpstreamRegistry.of(vertx).passive("app", ServerAddress.parse(address));
  }

  /** Sends {@code n} requests; each answer as "status upstream-id" or "status reason". */
  private List<String> send(ProxyDeployment proxy, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpResult r = HttpResult.get(client, proxy.port(), "/work");
      String who = r.header("X-Upstream-Id") != null ? r.header("X-Upstream-Id") : r.header("X-Locci-Reason");
      out.add(r.status() + " " + who);
    }
    return out;
  }

  @Test
  void refusingServerIsEjectedAfterMaxFailsAndGetsTrafficAgainAfterFailTimeout() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    b.close().await();
    ProxyDeployment proxy = deploy(config("passive:\n  max_fails: 2\n  fail_timeout_secs: 1", a.address(),
        b.address()));

    // Round robin alternates; each refusal fails over to a (SPEC §10) and counts: the second one within
    // fail_timeout ejects b.
    assertThat(send(proxy, 4)).containsOnly("200 a");
    assertThat(passiveOf(b.address()).ejected()).isTrue();
    assertThat(send(proxy, 4)).containsOnly("200 a");

    b.reopen().await();
    Eventually.untilTrue(vertx, WAIT, "fail_timeout over", () -> !passiveOf(b.address()).ejected()).await();
    assertThat(send(proxy, 4)).containsExactlyInAnyOrder("200 a", "200 a", "200 b", "200 b");
  }

  @Test
  void whileEjectedNoRequestReachesTheServerAndAFailureOnProbationEjectsItAgain() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    b.resetRequests(true);
    ProxyDeployment proxy = deploy(config("passive:\n  max_fails: 2\n  fail_timeout_secs: 1", a.address(),
        b.address()));

    List<String> answers = send(proxy, 8);
    assertThat(answers).filteredOn(s -> s.startsWith("502")).containsOnly("502 upstream_reset").hasSize(2);
    assertThat(b.requests()).isEqualTo(2);
    assertThat(passiveOf(b.address()).ejected()).isTrue();

    // Back after fail_timeout, on probation: the first failure is enough to take it out again.
    Eventually.untilTrue(vertx, WAIT, "fail_timeout over", () -> !passiveOf(b.address()).ejected()).await();
    assertThat(send(proxy, 4)).containsExactlyInAnyOrder("200 a", "200 a", "200 a", "502 upstream_reset");
    assertThat(b.requests()).isEqualTo(3);
    assertThat(passiveOf(b.address()).ejected()).isTrue();
  }

  @Test
  void upstream5xxIsAnAnswerNotAFailure() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    b.requestStatus(500);
    ProxyDeployment proxy = deploy(config("passive:\n  max_fails: 1\n  fail_timeout_secs: 1", a.address(),
        b.address()));

    assertThat(send(proxy, 6)).containsExactlyInAnyOrder("200 a", "200 a", "200 a", "500 b", "500 b", "500 b");
    assertThat(passiveOf(b.address()).ejected()).isFalse();
  }

  @Test
  void everyServerEjectedAnswers503WithJsonReason() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    a.close().await();
    ProxyDeployment proxy = deploy(config("passive:\n  max_fails: 1\n  fail_timeout_secs: 1", a.address()));

    assertThat(send(proxy, 1)).containsExactly("502 upstream_refused");
    HttpResult r = HttpResult.get(client, proxy.port(), "/work");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.json().getString("reason")).isEqualTo("no_healthy_upstream");
    assertThat(r.json().getInteger("status")).isEqualTo(503);
  }

  @Test
  void withoutPassiveSectionFailuresNeverEject() {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    b.close().await();
    ProxyDeployment proxy = deploy(config("", a.address(), b.address()));

    // Every refusal fails over to a; nothing is counted, so b keeps being tried.
    assertThat(send(proxy, 6)).containsOnly("200 a");
    assertThat(passiveOf(b.address()).failures()).isZero();
    assertThat(passiveOf(b.address()).ejected()).isFalse();
  }
}
