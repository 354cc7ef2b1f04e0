package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.log.AccessLog;
import cloud.locci.proxy.core.testing.DeadServers;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Connect-phase failover (SPEC §10): a server that refuses, never completes the TCP handshake, or fails
 * TLS sends any method on to another server of the group, each server at most once, whatever
 * {@code retries} says; only when every server failed is the answer 502 (504 when every connect timed out).
 * Loopback only: the "black hole" is a local socket whose accept queue is full.
 */
@ExtendWith(VertxExtension.class)
class ConnectFailoverTest {

  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final DeadServers dead = new DeadServers();
  private Logger access;
  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    lines.start();
    access.addAppender(lines);
  }

  @AfterEach
  void tearDown() {
    access.detachAppender(lines);
    client.close().await();
    dead.close();
  }

  private int deploy(String extra, String... servers) {
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0", workers: 1 }
        upstreams:
          app:
            servers: ["%s"]
        %s
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(String.join("\", \"", servers), extra.indent(4).stripTrailing());
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1, new AccessLog()).await().port();
  }

  private HttpResult send(int port, HttpMethod method, String body) {
    return HttpResult.send(client, new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port)
        .setURI("/x"), body == null ? null : Buffer.buffer(body));
  }

  private List<String> accessLines(int n) {
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), n + " access lines", () -> lines.list.size() >= n).await();
    return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void everyMethodFailsOverFromARefusedServerAndTheFailuresCountForPassive() throws Exception {
    EchoUpstream a = EchoUpstream.start(vertx, "a").await();
    EchoUpstream b = EchoUpstream.start(vertx, "b").await();
    String refused = dead.refused();
    // retries 0 (LB mode) and no health check: only connect failover can save these requests.
    int port = deploy("passive: { max_fails: 3, fail_timeout_secs: 30 }", refused, a.address(), b.address());
    List<HttpMethod> methods = List.of(HttpMethod.POST, HttpMethod.GET, HttpMethod.PATCH, HttpMethod.DELETE,
        HttpMethod.POST, HttpMethod.PUT, HttpMethod.POST, HttpMethod.GET, HttpMethod.POST);
    for (HttpMethod m : methods) {
      HttpResult r = send(port, m, m == HttpMethod.GET || m == HttpMethod.DELETE ? null : "payload");
      assertThat(r.status()).as(m + " " + r).isEqualTo(200);
      if (m == HttpMethod.POST) {
        assertThat(r.json().getLong("bodyLength")).isEqualTo(7);
      }
    }
    List<String> log = accessLines(methods.size());
    assertThat(log).anyMatch(l -> l.endsWith(" attempts=2"));
    assertThat(log).allMatch(l -> l.endsWith(" attempts=1") || l.endsWith(" attempts=2"));
    // Three refused connects ejected the server: it is out of the rotation now.
    assertThat(UpstreamRegistry.of(vertx).passive("app", ServerAddress.parse(refused)).ejected()).isTrue();
  }

  @Test
  void whenEveryServerRefusesTheAnswerIs502WithTheReasonAndEveryAttemptLogged() throws Exception {
    int port = deploy("", dead.refused(), dead.refused(), dead.refused());
    HttpResult r = send(port, HttpMethod.POST, "x");
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.header("X-Locci-Reason")).isEqualTo("upstream_refused");
    assertThat(r.json().getString("error")).contains("every attempt failed");
    assertThat(accessLines(1).get(0)).endsWith(" reason=upstream_refused attempts=3");
  }

  @Test
  void aServerThatNeverCompletesTheHandshakeIsLeftAtTheConnectTimeout() throws Exception {
    EchoUpstream a = EchoUpstream.start(vertx, "a").await();
    String hole = dead.blackHole();
    int port = deploy("connect_timeout_secs: 1", hole, a.address());
    for (int i = 0; i < 2; i++) {
      long start = System.nanoTime();
      HttpResult r = send(port, HttpMethod.POST, "payload");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.header("x-upstream-id")).isEqualTo("a");
      // Not a speed assertion: without the connect timeout this request hangs for a minute or more.
      assertThat(millis).as("ms to the answer").isLessThan(10_000);
    }
  }

  @Test
  void whenEveryConnectTimesOutTheAnswerIs504() throws Exception {
    int port = deploy("connect_timeout_secs: 1", dead.blackHole(), dead.blackHole());
    long start = System.nanoTime();
    HttpResult r = send(port, HttpMethod.GET, null);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.status()).isEqualTo(504);
    assertThat(r.header("X-Locci-Reason")).isEqualTo("upstream_timeout");
    assertThat(millis).as("two connect timeouts of 1 s, not a hang").isLessThan(10_000);
    assertThat(accessLines(1).get(0)).endsWith(" reason=upstream_timeout attempts=2");
  }
}
