package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.ClosedPort;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.function.Predicate;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/v1/traffic} after known traffic through the whole process, in both modes. */
@ExtendWith(VertxExtension.class)
class RouteTrafficEndpointTest {

  @TempDir
  Path dir;

  @Test
  void gatewayCountsRequestsAndErrorsPerRouteAndUnmatchedOnes(Vertx vertx) throws Exception {
    EchoUpstream up = EchoUpstream.start(vertx, "s1").await();
    int dead = ClosedPort.find();
    HttpClient client = vertx.createHttpClient();
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 2}
        upstreams:
          app: {servers: ["%s"]}
          dead: {servers: ["127.0.0.1:%d"]}
        api_gateway:
          routes:
            api: {path_pattern: "^/api", upstream: app}
            broken: {path_pattern: "^/broken", upstream: dead}
            idle: {path_pattern: "^/idle/and/long", upstream: app}
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(up.address(), dead, RunningProxy.KEY))) {
      for (int i = 0; i < 7; i++) {
        assertThat(HttpResult.get(client, proxy.port(), "/api/" + i).status()).isEqualTo(200);
      }
      for (int i = 0; i < 3; i++) {
        assertThat(HttpResult.get(client, proxy.port(), "/broken").status()).isEqualTo(502);
      }
      assertThat(HttpResult.get(client, proxy.port(), "/nowhere").status()).isEqualTo(404);

      JsonArray routes = traffic(vertx, client, proxy,
          r -> r.size() == 4 && r.getJsonObject(1).getLong("requests") == 3 && r.getJsonObject(2).getLong("requests") == 7);
      assertThat(routes.stream().map(r -> ((JsonObject) r).getString("route")))
          .containsExactly("idle", "broken", "api", "");
      assertThat(routes.getJsonObject(0)).isEqualTo(new JsonObject().put("route", "idle").put("upstream", "app")
          .put("requests", 0L).put("errors", 0L).put("requests_per_sec", 0.0).put("errors_per_sec", 0.0));
      JsonObject broken = routes.getJsonObject(1);
      assertThat(broken.getLong("requests")).isEqualTo(3);
      assertThat(broken.getLong("errors")).isEqualTo(3);
      assertThat(broken.getDouble("errors_per_sec")).isEqualTo(3 / 60.0);
      JsonObject api = routes.getJsonObject(2);
      assertThat(api.getLong("requests")).isEqualTo(7);
      assertThat(api.getLong("errors")).isZero();
      assertThat(api.getDouble("requests_per_sec")).isEqualTo(7 / 60.0);
      JsonObject unmatched = routes.getJsonObject(3);
      assertThat(unmatched.getValue("upstream")).isNull();
      assertThat(unmatched.getLong("requests")).isEqualTo(1);
      assertThat(unmatched.getLong("errors")).isZero(); // a 404 is the client's error, not the proxy's
    } finally {
      client.close().await();
      up.close().await();
    }
  }

  @Test
  void loadBalancerTrafficIsOneUnnamedEntryWithItsUpstream(Vertx vertx) throws Exception {
    EchoUpstream up = EchoUpstream.start(vertx, "s1").await();
    HttpClient client = vertx.createHttpClient();
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), """
        mode: load_balancer
        server: {bind_address: "127.0.0.1:0", workers: 1}
        upstreams:
          fleet: {servers: ["%s"]}
        load_balancer: {upstream: fleet}
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(up.address(), RunningProxy.KEY))) {
      JsonArray routes = proxy.control(client, HttpMethod.GET, "/api/v1/traffic", null).json().getJsonArray("routes");
      assertThat(routes).hasSize(1);
      assertThat(routes.getJsonObject(0).getString("route")).isEmpty();
      assertThat(routes.getJsonObject(0).getString("upstream")).isEqualTo("fleet");
      for (int i = 0; i < 4; i++) {
        assertThat(HttpResult.get(client, proxy.port(), "/any/" + i).status()).isEqualTo(200);
      }
      routes = traffic(vertx, client, proxy, r -> r.getJsonObject(0).getLong("requests") == 4);
      assertThat(routes.getJsonObject(0).getLong("requests")).isEqualTo(4);
      assertThat(routes.getJsonObject(0).getLong("errors")).isZero();
    } finally {
      client.close().await();
      up.close().await();
    }
  }

  /**
   * The traffic's routes once {@code done} holds, or after 2 s: exchanges are counted when their response
   * has ended, which the client may see first.
   */
  private static JsonArray traffic(Vertx vertx, HttpClient client, RunningProxy proxy, Predicate<JsonArray> done) {
    JsonArray routes = null;
    for (int i = 0; i < 100; i++) {
      routes = proxy.control(client, HttpMethod.GET, "/api/v1/traffic", null).json().getJsonArray("routes");
      if (done.test(routes)) {
        break;
      }
      vertx.timer(20).await();
    }
    return routes;
  }
}
