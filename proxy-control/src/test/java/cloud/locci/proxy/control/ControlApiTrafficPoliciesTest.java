package cloud.locci.proxy.control;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.ConfigVerticle;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §11 through the control API: route views, route creation, explain with headers. */
@ExtendWith(VertxExtension.class)
class ControlApiTrafficPoliciesTest {

  private static final String YAML = """
      mode: api_gateway
      upstreams:
        stable: {servers: ["127.0.0.1:3001"]}
        canary: {servers: ["127.0.0.1:3002"]}
      api_gateway:
        routes:
          app:
            path_pattern: "^/app"
            split: [{upstream: stable, weight: 90}, {upstream: canary, weight: 10}]
            match_headers: {X-Canary: "1"}
            rewrite: {pattern: "^/app/(.*)", replacement: "/v2/$1"}
            response_headers: {set: {X-Served-By: "${upstream}"}, remove: [Server]}
          plain: {path_pattern: "^/", upstream: stable}
      control_api:
        bind_address: "127.0.0.1:0"
      """;

  @TempDir
  Path dir;

  private HttpClient client;
  private int port;

  private void start(Vertx vertx) throws Exception {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, YAML);
    ProxyMetrics metrics = ProxyMetrics.create();
    vertx.deployVerticle(new ConfigVerticle(ProxyDeployment.parse(YAML), Optional.of(file), ConfigOverrides.none()))
        .await();
    vertx.deployVerticle(new MetricsVerticle(metrics)).await();
    ControlApiVerticle control = new ControlApiVerticle(1, metrics);
    vertx.deployVerticle(control).await();
    port = control.actualPort();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close().await();
    }
  }

  private HttpResult call(HttpMethod method, String uri, JsonObject body) {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    if (body != null) {
      o.addHeader("Content-Type", "application/json");
    }
    return HttpResult.send(client, o, body == null ? null : body.toBuffer());
  }

  @Test
  void routesAndConfigShowTheNewKeysOnlyWhenSet(Vertx vertx) throws Exception {
    start(vertx);
    JsonArray routes = call(HttpMethod.GET, "/api/v1/routes", null).json().getJsonArray("routes");
    JsonObject app = routes.getJsonObject(0);
    assertThat(app.getString("name")).isEqualTo("app");
    assertThat(app.containsKey("upstream")).as("split instead of upstream").isFalse();
    assertThat(app.getJsonArray("split")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("upstream", "stable").put("weight", 90))
        .add(new JsonObject().put("upstream", "canary").put("weight", 10)));
    assertThat(app.getJsonObject("match_headers")).isEqualTo(new JsonObject().put("X-Canary", "1"));
    assertThat(app.getJsonObject("rewrite")).isEqualTo(new JsonObject().put("pattern", "^/app/(.*)")
        .put("replacement", "/v2/$1"));
    assertThat(app.getJsonObject("response_headers")).isEqualTo(new JsonObject()
        .put("set", new JsonObject().put("X-Served-By", "${upstream}")).put("remove", new JsonArray().add("Server")));
    JsonObject plain = routes.getJsonObject(1);
    assertThat(plain.fieldNames()).doesNotContain("split", "match_headers", "match_query", "rewrite",
        "request_headers", "response_headers");

    JsonObject config = call(HttpMethod.GET, "/api/v1/config", null).json();
    assertThat(config.getJsonObject("api_gateway").getJsonObject("routes").getJsonObject("app")
        .getJsonObject("match_headers")).isEqualTo(new JsonObject().put("X-Canary", "1"));
  }

  @Test
  void addingARouteWithPoliciesValidatesThemAndTheReloadDiffNamesIt(Vertx vertx) throws Exception {
    start(vertx);
    HttpResult bad = call(HttpMethod.POST, "/api/v1/routes", new JsonObject().put("name", "beta")
        .put("path_pattern", "^/beta").put("upstream", "stable")
        .put("split", new JsonArray().add(new JsonObject().put("upstream", "canary").put("weight", 1)))
        .put("request_headers", new JsonObject().put("set", new JsonObject().put("Content-Length", "0"))));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().getJsonArray("errors").encode()).contains("beta.split: set either upstream or split");

    HttpResult invalid = call(HttpMethod.POST, "/api/v1/routes", new JsonObject().put("name", "beta")
        .put("path_pattern", "^/beta").put("upstream", "stable")
        .put("request_headers", new JsonObject().put("set", new JsonObject().put("Content-Length", "0"))));
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.json().getJsonArray("errors").encode())
        .contains("api_gateway.routes.beta.request_headers.set.Content-Length");

    HttpResult ok = call(HttpMethod.POST, "/api/v1/routes", new JsonObject().put("name", "beta")
        .put("path_pattern", "^/beta")
        .put("split", new JsonArray().add(new JsonObject().put("upstream", "canary").put("weight", 1)))
        .put("match_query", new JsonObject().put("beta", "1")));
    assertThat(ok.status()).as("%s", ok).isEqualTo(201);
    JsonObject listed = call(HttpMethod.GET, "/api/v1/routes", null).json().getJsonArray("routes").stream()
        .map(JsonObject.class::cast).filter(r -> r.getString("name").equals("beta")).findFirst().orElseThrow();
    assertThat(listed.getJsonObject("match_query")).isEqualTo(new JsonObject().put("beta", "1"));

    // The file does not have it: a reload removes it, and names it.
    JsonObject reload = call(HttpMethod.POST, "/api/v1/reload", new JsonObject()).json();
    assertThat(reload.encode()).contains("\"removed\":[\"beta\"]");
  }

  @Test
  void explainPassesHeadersOn(Vertx vertx) throws Exception {
    start(vertx);
    LocalCodec.register(vertx, ExplainQuery.class);
    LocalCodec.register(vertx, Explanation.class);
    AtomicReference<ExplainQuery> asked = new AtomicReference<>();
    vertx.eventBus().<ExplainQuery>consumer(Addresses.ROUTES_EXPLAIN, m -> {
      asked.set(m.body());
      m.reply(new Explanation("api_gateway", 404, "route_not_found", List.of(), Optional.empty(), Optional.empty(),
          List.of()));
    }).completion().await();
    HttpResult r = call(HttpMethod.GET, "/api/v1/explain?path=/app%3Fv%3D1&header=X-Canary:%201&header=X-Team:a",
        null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(asked.get()).isEqualTo(new ExplainQuery("GET", "", "/app?v=1", Map.of("X-Canary", "1", "X-Team", "a")));
    assertThat(call(HttpMethod.GET, "/api/v1/explain?path=/&header=nocolon", null).status()).isEqualTo(400);
  }
}
