package cloud.locci.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.CheckedUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every server of the group goes down, then comes back on the same ports: while they are down each
 * request gets a prompt 502/503 with its reason (no hang, no crash); once they are back the same
 * proxy process serves again through both of them, without a restart or a reload.
 */
@ExtendWith(VertxExtension.class)
class AllServersDownIT {

  /** A client-side bound far above anything the proxy should take to answer. */
  private static final long CLIENT_LIMIT_MS = 10_000;

  @TempDir
  Path dir;

  @Test
  void allServersDownThenBackIsServedAgainWithoutARestart(Vertx vertx) throws Exception {
    CheckedUpstream a = CheckedUpstream.start(vertx, "a").await();
    CheckedUpstream b = CheckedUpstream.start(vertx, "b").await();
    try (JarProcess proxy = ProxyJar.start(dir, """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["%s", "%s"]
            health_check:
              interval_secs: 1
              timeout_secs: 1
              path: /health
        load_balancer:
          upstream: app
        control_api:
          enabled: false
        """.formatted(a.address(), b.address()), List.of("-Xmx128m"), "--instances", "2")) {
      int port = proxy.awaitProxyPort(ProxyJar.STARTUP);
      long pid = proxy.pid();
      HttpClient client = vertx.createHttpClient();

      assertThat(servedBy(vertx, client, port, Duration.ofSeconds(10))).containsExactlyInAnyOrder("a", "b");

      a.close().await();
      b.close().await();
      // Whatever the health checks have seen yet, each request is answered at once with an error.
      Set<String> reasons = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < 20; i++) {
        HttpResult r = get(client, port);
        assertThat(r.status()).as(r.toString()).isIn(502, 503);
        reasons.add(r.header("X-Locci-Reason"));
      }
      // Never upstream_reset: a request that meets a pooled connection the server closed a moment
      // before is sent once more on a fresh connection, which is then refused like the others.
      assertThat(reasons).isSubsetOf("upstream_refused", "no_healthy_upstream");
      // The health checks take both out: then the answer is 503 without trying a server.
      Eventually.until(vertx, Duration.ofSeconds(10), "503 no_healthy_upstream",
          () -> fetch(client, port).map(r -> r.status() == 503
              && "no_healthy_upstream".equals(r.header("X-Locci-Reason")))).await();

      a.reopen().await();
      b.reopen().await();
      long back = System.nanoTime();
      assertThat(servedBy(vertx, client, port, Duration.ofSeconds(10))).containsExactlyInAnyOrder("a", "b");
      long recoveryMs = (System.nanoTime() - back) / 1_000_000;

      assertThat(proxy.isAlive()).isTrue();
      assertThat(proxy.pid()).isEqualTo(pid);
      System.out.printf("FIGURE all servers down then back: both serving again %d ms after reopening "
          + "(health_check.interval_secs 1), same process%n", recoveryMs);
      client.close().await();
    }
  }

  /** Sends requests until both servers have answered one, and returns the ids seen; fails after {@code max}. */
  private static Set<String> servedBy(Vertx vertx, HttpClient client, int port, Duration max) {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    Eventually.until(vertx, max, "both servers answer",
        () -> fetch(client, port).map(r -> {
          if (r.status() == 200) {
            seen.add(r.header("x-upstream-id"));
          }
          return seen.size() == 2;
        })).await();
    return seen;
  }

  private static Future<HttpResult> fetch(HttpClient client, int port) {
    return HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/x")
        .setIdleTimeout(CLIENT_LIMIT_MS), null);
  }

  private static HttpResult get(HttpClient client, int port) {
    return fetch(client, port).await();
  }
}
