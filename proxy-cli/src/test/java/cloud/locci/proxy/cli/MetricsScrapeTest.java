package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** After known traffic, the scrape has the SPEC §8 names with exactly the expected values. */
@ExtendWith(VertxExtension.class)
class MetricsScrapeTest {

  @TempDir
  Path dir;

  @Test
  void knownTrafficGivesExactValuesInAValidExposition(Vertx vertx) throws Exception {
    EchoUpstream up = EchoUpstream.start(vertx, "s1").await();
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    HttpClient client = vertx.createHttpClient();
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 2}
        upstreams:
          app: {servers: ["%s"]}
          dead: {servers: ["127.0.0.1:%d"]}
          mixed: {servers: ["127.0.0.1:%d", "%s"]}
        api_gateway:
          routes:
            api: {path_pattern: "^/api", upstream: app}
            broken: {path_pattern: "^/broken", upstream: dead}
            failover: {path_pattern: "^/failover", upstream: mixed}
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(up.address(), dead, dead, up.address(), RunningProxy.KEY))) {
      // Round robin starts at the dead server: one refused attempt, then the request goes to the live one.
      assertThat(send(client, proxy, HttpMethod.POST, "/failover").status()).isEqualTo(200);
      for (int i = 0; i < 5; i++) {
        assertThat(send(client, proxy, HttpMethod.GET, "/api/x").status()).isEqualTo(200);
      }
      for (int i = 0; i < 2; i++) {
        assertThat(send(client, proxy, HttpMethod.POST, "/api/x").status()).isEqualTo(200);
      }
      assertThat(send(client, proxy, HttpMethod.valueOf("PROPFIND"), "/api/x").status()).isEqualTo(200);
      for (int i = 0; i < 3; i++) {
        assertThat(send(client, proxy, HttpMethod.GET, "/nothing/" + i).status()).isEqualTo(404);
      }
      for (int i = 0; i < 2; i++) {
        assertThat(send(client, proxy, HttpMethod.GET, "/broken").status()).isEqualTo(502);
      }
      assertThat(proxy.control(client, HttpMethod.POST, "/api/v1/reload", null).status()).isEqualTo(200);

      String app = "route=\"api\",upstream=\"app\"";
      // Labels in the exposition's (alphabetical) order; every client here speaks HTTP/1.1, every upstream too.
      String ok = "route=\"api\",status=\"200\",upstream=\"app\",upstream_protocol=\"http1\"} ";
      List<String> expected = List.of(
          "locci_requests_total{client_protocol=\"http1\",method=\"GET\"," + ok + "5.0",
          "locci_requests_total{client_protocol=\"http1\",method=\"POST\"," + ok + "2.0",
          "locci_requests_total{client_protocol=\"http1\",method=\"OTHER\"," + ok + "1.0",
          // No route, so no upstream and no upstream protocol.
          "locci_requests_total{client_protocol=\"http1\",method=\"GET\",route=\"\",status=\"404\",upstream=\"\","
              + "upstream_protocol=\"\"} 3.0",
          "locci_requests_total{client_protocol=\"http1\",method=\"GET\",route=\"broken\",status=\"502\","
              + "upstream=\"dead\",upstream_protocol=\"http1\"} 2.0",
          "locci_request_duration_seconds_count{" + app + "} 8",
          "locci_request_duration_seconds_bucket{" + app + ",le=\"+Inf\"} 8",
          "locci_upstream_requests_total{outcome=\"ok\",server=\"" + up.address() + "\",upstream=\"app\"} 8.0",
          "locci_upstream_requests_total{outcome=\"upstream_refused\",server=\"127.0.0.1:" + dead
              + "\",upstream=\"dead\"} 2.0",
          "locci_upstream_requests_total{outcome=\"upstream_refused\",server=\"127.0.0.1:" + dead
              + "\",upstream=\"mixed\"} 1.0",
          "locci_upstream_requests_total{outcome=\"ok\",server=\"" + up.address() + "\",upstream=\"mixed\"} 1.0",
          "locci_errors_total{reason=\"route_not_found\",route=\"\"} 3.0",
          "locci_errors_total{reason=\"upstream_refused\",route=\"broken\"} 2.0",
          "locci_upstream_health{server=\"" + up.address() + "\",upstream=\"app\"} 1.0",
          "locci_config_reloads_total{result=\"success\"} 1.0",
          "locci_config_reloads_total{result=\"failure\"} 0.0",
          "locci_tracing_spans_dropped_total 0.0");
      // Exchanges are counted when their response has ended, which the client may see first: poll, bounded.
      String text = "";
      for (int i = 0; i < 100; i++) {
        text = proxy.control(client, HttpMethod.GET, "/metrics", null).body().toString();
        String t = text;
        if (expected.stream().allMatch(t::contains)) {
          break;
        }
        vertx.timer(20).await();
      }
      assertThat(text.split("\n")).contains(expected.toArray(String[]::new));
      assertThat(text).contains("# TYPE locci_request_duration_seconds histogram")
          .contains("# TYPE locci_active_connections gauge")
          .containsPattern("locci_active_connections [0-9.]+\n")
          .contains("vertx_eventbus_")
          // SPEC §8: Vert.x's own HTTP meters are in the same scrape, without paths as labels.
          .contains("vertx_http_server_requests_total")
          .contains("vertx_http_client_requests_total")
          .doesNotContain("/nothing/")
          // Without Vert.x's method and code labels (their per-request cost; locci_requests_total has both).
          .containsPattern("\nvertx_http_server_requests_total [0-9.E]+\n")
          .containsPattern("\nvertx_http_client_requests_total [0-9.E]+\n");

      PrometheusText.checkStrictly(text);
      Optional<Path> promtool = PrometheusText.promtool();
      if (promtool.isPresent()) {
        PrometheusText.checkWithPromtool(promtool.get(), text);
      }
    } finally {
      client.close().await();
    }
  }

  @Test
  void vertxOwnHttpMetersCanBeTurnedOff(Vertx vertx) throws Exception {
    EchoUpstream up = EchoUpstream.start(vertx, "up").await();
    HttpClient client = vertx.createHttpClient();
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), """
        mode: load_balancer
        server: {bind_address: "127.0.0.1:0", workers: 1}
        upstreams:
          app: {servers: ["%s"]}
        load_balancer: {upstream: app}
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(up.address(), RunningProxy.KEY), false)) {
      assertThat(send(client, proxy, HttpMethod.GET, "/x").status()).isEqualTo(200);
      String text = proxy.control(client, HttpMethod.GET, "/metrics", null).body().toString();
      assertThat(text).contains("locci_requests_total").contains("vertx_eventbus_")
          .doesNotContain("vertx_http_server_requests_total").doesNotContain("vertx_http_client_requests_total");
      PrometheusText.checkStrictly(text);
    } finally {
      client.close().await();
    }
  }

  private static HttpResult send(HttpClient client, RunningProxy proxy, HttpMethod method, String uri) {
    return HttpResult.send(client, new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(proxy.port())
        .setURI(uri), null);
  }
}
