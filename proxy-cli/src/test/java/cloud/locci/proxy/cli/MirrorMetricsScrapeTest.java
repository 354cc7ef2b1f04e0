package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.ClosedPort;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §11: {@code locci_mirror_requests_total{route,outcome}} in the Prometheus scrape, with exact values. */
@ExtendWith(VertxExtension.class)
class MirrorMetricsScrapeTest {

  @TempDir
  Path dir;

  @Test
  void everyOutcomeIsCountedPerRoute(Vertx vertx) throws Exception {
    EchoUpstream app = EchoUpstream.start(vertx, "app").await();
    EchoUpstream shadow = EchoUpstream.start(vertx, "shadow").await();
    HttpClient client = vertx.createHttpClient();
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 2}
        upstreams:
          app: {servers: ["%s"]}
          shadow: {servers: ["%s"]}
          gone: {servers: ["127.0.0.1:%d"]}
        api_gateway:
          routes:
            good: {path_pattern: "^/good", upstream: app, mirror: {upstream: shadow}}
            bad: {path_pattern: "^/bad", upstream: app, mirror: {upstream: gone, percent: 50}}
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(app.address(), shadow.address(), ClosedPort.find(), RunningProxy.KEY))) {
      for (int i = 0; i < 3; i++) {
        assertThat(send(client, proxy, "/good", null).status()).isEqualTo(200);
      }
      assertThat(send(client, proxy, "/good", Buffer.buffer(new byte[1024 * 1024 + 1])).status()).isEqualTo(200);
      for (int i = 0; i < 4; i++) {
        assertThat(send(client, proxy, "/bad", null).status()).isEqualTo(200);
      }
      List<String> expected = List.of(
          "locci_mirror_requests_total{outcome=\"sent\",route=\"good\"} 3.0",
          "locci_mirror_requests_total{outcome=\"skipped\",route=\"good\"} 1.0",
          "locci_mirror_requests_total{outcome=\"failed\",route=\"good\"} 0.0",
          "locci_mirror_requests_total{outcome=\"failed\",route=\"bad\"} 2.0",
          "locci_mirror_requests_total{outcome=\"sent\",route=\"bad\"} 0.0",
          "locci_mirror_requests_total{outcome=\"skipped\",route=\"bad\"} 0.0");
      // Copies finish after the clients' answers: wait until the scrape shows them all, bounded.
      Eventually.until(vertx, Duration.ofSeconds(5), "the mirror counts in /metrics",
          () -> proxy.controlAsync(client, HttpMethod.GET, "/metrics", null)
              .map(r -> expected.stream().allMatch(r.body().toString()::contains))).await();
      String text = proxy.control(client, HttpMethod.GET, "/metrics", null).body().toString();
      assertThat(text.split("\n")).contains(expected.toArray(String[]::new));
      assertThat(text).contains("# TYPE locci_mirror_requests_total counter");
      PrometheusText.checkStrictly(text);
      Optional<Path> promtool = PrometheusText.promtool();
      if (promtool.isPresent()) {
        PrometheusText.checkWithPromtool(promtool.get(), text);
      }
      // The routes API shows the new key.
      String routes = proxy.control(client, HttpMethod.GET, "/api/v1/routes", null).body().toString();
      assertThat(routes).contains("\"mirror\":{\"upstream\":\"gone\",\"percent\":50}");
      // The API takes the key like the file, and validates it like the file.
      JsonObject added = new JsonObject().put("name", "copied").put("path_pattern", "^/copied")
          .put("upstream", "app").put("mirror", new JsonObject().put("upstream", "shadow").put("percent", 10));
      assertThat(proxy.control(client, HttpMethod.POST, "/api/v1/routes", added).status()).isEqualTo(201);
      assertThat(proxy.control(client, HttpMethod.GET, "/api/v1/routes", null).body().toString())
          .contains("\"mirror\":{\"upstream\":\"shadow\",\"percent\":10}");
      JsonObject unknown = added.copy().put("name", "broken").put("mirror", new JsonObject().put("upstream", "nope"));
      HttpResult refused = proxy.control(client, HttpMethod.POST, "/api/v1/routes", unknown);
      assertThat(refused.status()).isEqualTo(400);
      assertThat(refused.body().toString()).contains("mirror.upstream").contains("unknown upstream");
    } finally {
      client.close().await();
    }
  }

  private static HttpResult send(HttpClient client, RunningProxy proxy, String uri, Buffer body) {
    return HttpResult.send(client, new RequestOptions().setMethod(body == null ? HttpMethod.GET : HttpMethod.POST)
        .setHost("127.0.0.1").setPort(proxy.port()).setURI(uri), body);
  }
}
