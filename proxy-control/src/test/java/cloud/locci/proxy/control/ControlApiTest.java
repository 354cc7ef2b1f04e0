package cloud.locci.proxy.control;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.ConfigVerticle;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.health.HealthReport;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.upstream.BackendStats;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint of the control API against a real config verticle, without proxy instances. */
@ExtendWith(VertxExtension.class)
class ControlApiTest {

  private static final String KEY = "control-api-test-key-0123456789abcdef";

  @TempDir
  Path dir;

  private Vertx vertx;
  private HttpClient client;
  private Path file;
  private int port;

  private String yaml(String apiKey) {
    return """
        mode: api_gateway
        upstreams:
          app: {servers: ["127.0.0.1:3001", {address: "127.0.0.1:3002", weight: 3}]}
          other: {servers: ["127.0.0.1:3003"], strategy: least_connections}
        api_gateway:
          routes:
            short: {path_pattern: "^/", upstream: other}
            users: {path_pattern: "^/api/users", methods: [GET, POST], upstream: app, host: "api.example.com"}
          middlewares:
            authentication: {jwt_secret: "jwt-very-secret-0123456789abcdef-test", excluded_paths: ["/health"]}
        control_api:
          bind_address: "127.0.0.1:0"
        %s
        """.formatted(apiKey == null ? "" : "  api_key: \"" + apiKey + "\"");
  }

  private void start(Vertx vertx, String apiKey) throws Exception {
    this.vertx = vertx;
    file = dir.resolve("config.yaml");
    Files.writeString(file, yaml(apiKey));
    ProxyMetrics metrics = ProxyMetrics.create();
    vertx.deployVerticle(new ConfigVerticle(ProxyDeployment.parse(yaml(apiKey)), Optional.of(file),
        ConfigOverrides.none())).await();
    vertx.deployVerticle(new MetricsVerticle(metrics)).await();
    ControlApiVerticle control = new ControlApiVerticle(2, metrics);
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

  private HttpResult call(HttpMethod method, String uri, JsonObject body, String header, String value) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    if (method != HttpMethod.GET) {
      options.addHeader("Content-Type", "application/json");
    }
    if (header != null) {
      options.addHeader(header, value);
    }
    return HttpResult.send(client, options, body == null ? null : body.toBuffer());
  }

  private HttpResult get(String uri) {
    return call(HttpMethod.GET, uri, null, "Authorization", "Bearer " + KEY);
  }

  private record Endpoint(HttpMethod method, String uri, JsonObject body, int status) {}

  @Test
  void everyEndpointRefusesMissingOrWrongKeysAndAcceptsBothHeaderForms(Vertx vertx) throws Exception {
    start(vertx, KEY);
    explainAnswers(Explanation::served);
    List<Endpoint> endpoints = List.of(
        new Endpoint(HttpMethod.GET, "/api/v1/status", null, 200),
        new Endpoint(HttpMethod.GET, "/api/v1/config", null, 200),
        new Endpoint(HttpMethod.GET, "/api/v1/metrics", null, 200),
        new Endpoint(HttpMethod.GET, "/metrics", null, 200),
        new Endpoint(HttpMethod.GET, "/api/v1/health", null, 200),
        new Endpoint(HttpMethod.GET, "/api/v1/upstreams", null, 200),
        new Endpoint(HttpMethod.GET, "/api/v1/routes", null, 200),
        new Endpoint(HttpMethod.POST, "/api/v1/routes",
            new JsonObject().put("name", "web").put("path_pattern", "^/web").put("upstream", "app"), 201),
        new Endpoint(HttpMethod.DELETE, "/api/v1/routes/web", null, 204),
        new Endpoint(HttpMethod.POST, "/api/v1/upstreams",
            new JsonObject().put("name", "app").put("servers", new JsonArray().add("127.0.0.1:3009")), 201),
        new Endpoint(HttpMethod.DELETE, "/api/v1/upstreams/app/servers/127.0.0.1:3009", null, 204),
        new Endpoint(HttpMethod.POST, "/api/v1/reload", null, 200),
        new Endpoint(HttpMethod.GET, "/api/v1/explain?path=/api/users", null, 200),
        new Endpoint(HttpMethod.GET, "/api/v1/traffic", null, 200),
        new Endpoint(HttpMethod.GET, "/api/v1/changes", null, 200),
        new Endpoint(HttpMethod.GET, "/api/v1/version", null, 200));
    for (int i = 0; i < endpoints.size(); i++) {
      Endpoint e = endpoints.get(i);
      HttpResult none = call(e.method(), e.uri(), e.body(), null, null);
      assertThat(none.status()).as(e + " without key: " + none).isEqualTo(401);
      assertThat(none.body().toString()).as(e.toString()).startsWith("{");
      assertThat(none.json().getInteger("status")).isEqualTo(401);
      assertThat(none.json().getString("error")).contains("missing API key");
      assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
      HttpResult wrong = call(e.method(), e.uri(), e.body(), "Authorization", "Bearer " + KEY + "x");
      assertThat(wrong.status()).as(e + " with a wrong key").isEqualTo(401);
      assertThat(wrong.body().toString()).as(e + " wrong: " + wrong).startsWith("{");
      assertThat(wrong.json().getString("error")).isEqualTo("invalid API key");
      assertThat(call(e.method(), e.uri(), e.body(), "X-API-Key", "nope").status()).isEqualTo(401);

      HttpResult ok = i % 2 == 0
          ? call(e.method(), e.uri(), e.body(), "Authorization", "Bearer " + KEY)
          : call(e.method(), e.uri(), e.body(), "X-API-Key", KEY);
      assertThat(ok.status()).as(e + " with the key: " + ok).isEqualTo(e.status());
    }
  }

  @Test
  void withoutApiKeyEveryEndpointIsOpen(Vertx vertx) throws Exception {
    start(vertx, null);
    HttpResult status = call(HttpMethod.GET, "/api/v1/status", null, null, null);
    assertThat(status.status()).isEqualTo(200);
    assertThat(call(HttpMethod.GET, "/metrics", null, null, null).status()).isEqualTo(200);
  }

  @Test
  void statusHasTheSpecShape(Vertx vertx) throws Exception {
    start(vertx, KEY);
    JsonObject status = get("/api/v1/status").json();
    assertThat(status.fieldNames()).containsExactlyInAnyOrder("status", "mode", "lb_enabled", "gateway_enabled",
        "instances", "config_version", "uptime_secs");
    assertThat(status.getString("status")).isEqualTo("running");
    assertThat(status.getString("mode")).isEqualTo("api_gateway");
    assertThat(status.getBoolean("lb_enabled")).isFalse();
    assertThat(status.getBoolean("gateway_enabled")).isTrue();
    assertThat(status.getInteger("instances")).isEqualTo(2);
    assertThat(status.getLong("config_version")).isEqualTo(1);
    assertThat(status.getLong("uptime_secs")).isNotNegative();
  }

  @Test
  void configUsesYamlKeysEffectiveValuesAndMasksSecrets(Vertx vertx) throws Exception {
    start(vertx, KEY);
    HttpResult result = get("/api/v1/config");
    assertThat(result.header("Content-Type")).isEqualTo("application/json");
    assertThat(result.body().toString()).doesNotContain(KEY).doesNotContain("jwt-very-secret-0123456789abcdef-test");
    JsonObject config = result.json();
    assertThat(config.getJsonObject("control_api").getString("api_key")).isEqualTo("***");
    assertThat(config.getJsonObject("api_gateway").getJsonObject("middlewares").getJsonObject("authentication")
        .getString("jwt_secret")).isEqualTo("***");
    JsonObject server = config.getJsonObject("server");
    assertThat(server.getInteger("workers")).isEqualTo(2);
    assertThat(server.getInteger("max_header_size")).isEqualTo(8192);
    assertThat(server.getString("bind_address")).isEqualTo("0.0.0.0:8484");
    JsonObject app = config.getJsonObject("upstreams").getJsonObject("app");
    assertThat(app.getString("strategy")).isEqualTo("round_robin");
    assertThat(app.getJsonArray("servers").getJsonObject(1).getInteger("weight")).isEqualTo(3);
    assertThat(config.getJsonObject("api_gateway").getJsonObject("routes").getJsonObject("users")
        .getString("path_pattern")).isEqualTo("^/api/users");
    // The SPEC §15 keys, with their defaults.
    JsonObject auth = config.getJsonObject("api_gateway").getJsonObject("middlewares").getJsonObject("authentication");
    assertThat(auth.getBoolean("require_exp")).isTrue();
    assertThat(auth.containsKey("audience")).isFalse();
    assertThat(config.getJsonObject("control_api").getJsonArray("allowed_origins")).isEmpty();
    assertThat(config.getJsonObject("control_api").getJsonArray("allowed_hosts")).isEmpty();
    assertThat(config.getJsonObject("tracing")).isEqualTo(new JsonObject().put("enabled", false)
        .put("otlp_endpoint", "http://localhost:4318/v1/traces").put("sample_ratio", 1.0)
        .put("service_name", "locci-proxy"));
  }

  @Test
  void routesAreListedInMatchOrderWithTheSpecKeys(Vertx vertx) throws Exception {
    start(vertx, KEY);
    JsonArray routes = get("/api/v1/routes").json().getJsonArray("routes");
    assertThat(routes.stream().map(r -> ((JsonObject) r).getString("name"))).containsExactly("users", "short");
    JsonObject users = routes.getJsonObject(0);
    assertThat(users.fieldNames()).contains("name", "path_pattern", "methods", "upstream", "strip_prefix",
        "timeout_secs", "host", "middlewares");
    assertThat(users.getJsonArray("methods").getList()).containsExactly("GET", "POST");
    assertThat(users.getString("host")).isEqualTo("api.example.com");
    assertThat(routes.getJsonObject(1).getValue("host")).isNull();
    assertThat(routes.getJsonObject(1).containsKey("host")).isTrue();
  }

  @Test
  void upstreamsShowHealthActiveConnectionsAndWeight(Vertx vertx) throws Exception {
    start(vertx, KEY);
    LocalCodec.register(vertx, HealthReport.class);
    vertx.eventBus().consumer(Addresses.HEALTH_GET, m -> m.reply(new HealthReport(List.of(
        new HealthReport.ServerHealth("app", ServerAddress.parse("127.0.0.1:3002"), false, true,
            "GET /health answered 500"))))).completion().await();
    BackendStats stats = UpstreamRegistry.of(vertx).stats(ServerAddress.parse("127.0.0.1:3001"));
    stats.begin();
    stats.begin();

    JsonArray upstreams = get("/api/v1/upstreams").json().getJsonArray("upstreams");

    assertThat(upstreams).hasSize(2);
    JsonObject app = upstreams.getJsonObject(0);
    assertThat(app.getString("name")).isEqualTo("app");
    assertThat(app.getString("strategy")).isEqualTo("round_robin");
    assertThat(app.getJsonArray("servers").getList()).containsExactly(
        new JsonObject().put("address", "127.0.0.1:3001").put("healthy", true).put("active_connections", 2)
            .put("weight", 1).getMap(),
        new JsonObject().put("address", "127.0.0.1:3002").put("healthy", false).put("active_connections", 0)
            .put("weight", 3).getMap());
    assertThat(upstreams.getJsonObject(1).getString("strategy")).isEqualTo("least_connections");

    JsonObject health = get("/api/v1/health").json();
    assertThat(health.getString("status")).isEqualTo("up");
    JsonObject down = health.getJsonArray("upstreams").getJsonObject(0).getJsonArray("servers").getJsonObject(1);
    assertThat(down.getBoolean("healthy")).isFalse();
    assertThat(down.getBoolean("checked")).isTrue();
    assertThat(down.getString("reason")).isEqualTo("GET /health answered 500");
    assertThat(health.getJsonArray("upstreams").getJsonObject(0).getInteger("healthy_servers")).isEqualTo(1);
  }

  @Test
  void healthWithoutCheckerIsAllHealthyUncheckedAndFollowsFlips(Vertx vertx) throws Exception {
    start(vertx, KEY);
    HttpResult result = get("/api/v1/health");
    assertThat(result.status()).isEqualTo(200);
    JsonObject server = result.json().getJsonArray("upstreams").getJsonObject(1).getJsonArray("servers")
        .getJsonObject(0);
    assertThat(server.getString("address")).isEqualTo("127.0.0.1:3003");
    assertThat(server.getBoolean("healthy")).isTrue();
    assertThat(server.getBoolean("checked")).isFalse();

    LocalCodec.register(vertx, HealthChanged.class);
    vertx.eventBus().publish(Addresses.HEALTH_CHANGED,
        new HealthChanged("other", ServerAddress.parse("127.0.0.1:3003"), false, "connect refused"));
    // The flip is an event with no reply: poll the endpoint a bounded number of times.
    JsonObject flipped = null;
    for (int i = 0; i < 50 && flipped == null; i++) {
      JsonObject s = get("/api/v1/health").json().getJsonArray("upstreams").getJsonObject(1)
          .getJsonArray("servers").getJsonObject(0);
      flipped = s.getBoolean("healthy") ? null : s;
    }
    assertThat(flipped).isNotNull();
    assertThat(flipped.getString("reason")).isEqualTo("connect refused");
  }

  private AtomicReference<ExplainQuery> explainAnswers(java.util.function.Predicate<Explanation> unused) {
    LocalCodec.register(vertx, ExplainQuery.class);
    LocalCodec.register(vertx, Explanation.class);
    AtomicReference<ExplainQuery> asked = new AtomicReference<>();
    vertx.eventBus().<ExplainQuery>consumer(Addresses.ROUTES_EXPLAIN, m -> {
      asked.set(m.body());
      m.reply(new Explanation("api_gateway", 0, "", List.of(
          new Explanation.Candidate("users", "^/api/users", "api.example.com", List.of("GET"), "matched", "wins"),
          new Explanation.Candidate("short", "^/", "", List.of(), "not_tried", "a route before it won")),
          Optional.of("users"),
          Optional.of(new Explanation.Target("app", "round_robin", List.of("127.0.0.1:3001"), "/api/users/1", 60, 0,
              List.of("authentication"))),
          List.of()));
    }).completion().await();
    return asked;
  }

  @Test
  void explainPassesTheQueryOnAndRendersTheExplanation(Vertx vertx) throws Exception {
    start(vertx, KEY);
    AtomicReference<ExplainQuery> asked = explainAnswers(e -> true);

    HttpResult result = get("/api/v1/explain?method=get&host=API.example.com&path=/api/users/1");

    assertThat(result.status()).isEqualTo(200);
    assertThat(asked.get()).isEqualTo(new ExplainQuery("GET", "api.example.com", "/api/users/1"));
    JsonObject json = result.json();
    assertThat(json.getBoolean("served")).isTrue();
    assertThat(json.getString("route")).isEqualTo("users");
    assertThat(json.getJsonArray("candidates").getJsonObject(1).getString("outcome")).isEqualTo("not_tried");
    JsonObject target = json.getJsonObject("target");
    assertThat(target.getString("upstream")).isEqualTo("app");
    assertThat(target.getString("strategy")).isEqualTo("round_robin");
    assertThat(target.getInteger("timeout_secs")).isEqualTo(60);
    assertThat(target.getJsonArray("middlewares").getList()).containsExactly("authentication");
  }

  @Test
  void explainWithoutPathIs400AndWithoutProxyIs503(Vertx vertx) throws Exception {
    start(vertx, KEY);
    HttpResult missing = get("/api/v1/explain?method=GET");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().getString("error")).contains("\"path\" is required");
    HttpResult nobody = get("/api/v1/explain?path=/x");
    assertThat(nobody.status()).isEqualTo(503);
    assertThat(nobody.json().getInteger("status")).isEqualTo(503);
  }

  @Test
  void malformedRequestsGetJsonErrors(Vertx vertx) throws Exception {
    start(vertx, KEY);
    String auth = "Bearer " + KEY;
    HttpResult unknown = get("/api/v1/nothing");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getInteger("status")).isEqualTo(404);
    assertThat(call(HttpMethod.PUT, "/api/v1/status", null, "Authorization", auth).status()).isEqualTo(405);

    RequestOptions notJson = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/api/v1/routes").addHeader("Authorization", auth).addHeader("Content-Type", "application/json");
    HttpResult garbage = HttpResult.send(client, notJson, Buffer.buffer("{not json"));
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.json().getString("error")).contains("not a JSON object");

    HttpResult noName = call(HttpMethod.POST, "/api/v1/routes",
        new JsonObject().put("path_pattern", "^/x").put("upstream", "app"), "Authorization", auth);
    assertThat(noName.status()).isEqualTo(400);
    assertThat(noName.json().getString("error")).contains("\"name\" is required");

    HttpResult typo = call(HttpMethod.POST, "/api/v1/routes", new JsonObject().put("name", "x")
        .put("path_pattern", "^/x").put("upstrem", "app"), "Authorization", auth);
    assertThat(typo.status()).isEqualTo(400);
    assertThat(typo.json().getJsonArray("errors").encode())
        .contains("x.upstrem: unknown key; did you mean \\\"upstream\\\"?");

    HttpResult badServer = call(HttpMethod.DELETE, "/api/v1/upstreams/app/servers/http:%2F%2Fx", null,
        "Authorization", auth);
    assertThat(badServer.status()).isEqualTo(400);
    assertThat(get("/api/v1/status").json().getLong("config_version")).isEqualTo(1);
  }

  @Test
  void reloadAnswersTheDiffOrEveryError(Vertx vertx) throws Exception {
    start(vertx, KEY);
    String auth = "Bearer " + KEY;
    Files.writeString(file, yaml(KEY).replace("short: {path_pattern: \"^/\", upstream: other}",
        "short: {path_pattern: \"^/\", upstream: app}"));
    HttpResult ok = call(HttpMethod.POST, "/api/v1/reload", null, "Authorization", auth);
    assertThat(ok.status()).isEqualTo(200);
    JsonObject json = ok.json();
    assertThat(json.getLong("config_version")).isEqualTo(2);
    assertThat(json.getJsonObject("diff").getJsonObject("routes")).isEqualTo(new JsonObject()
        .put("added", new JsonArray()).put("removed", new JsonArray()).put("changed", new JsonArray().add("short")));
    assertThat(json.getJsonObject("diff").fieldNames()).contains("routes", "upstreams", "middlewares");

    Files.writeString(file, yaml(KEY).replace("upstream: other}", "upstream: nowhere}"));
    HttpResult bad = call(HttpMethod.POST, "/api/v1/reload", null, "Authorization", auth);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().getString("error")).contains("running configuration (version 2) is unchanged");
    assertThat(bad.json().getJsonArray("errors").getString(0))
        .contains(file + ":7: api_gateway.routes.short.upstream: unknown upstream \"nowhere\"");
    assertThat(get("/api/v1/status").json().getLong("config_version")).isEqualTo(2);
  }

  @Test
  void metricsAreThePrometheusTextFormat(Vertx vertx) throws Exception {
    start(vertx, KEY);
    HttpResult reload = call(HttpMethod.POST, "/api/v1/reload", null, "Authorization", "Bearer " + KEY);
    assertThat(reload.status()).as(reload.toString()).isEqualTo(200);
    // The counter follows the reload's event, which may land just after the answer: poll, bounded.
    for (int i = 0; i < 100 && !get("/metrics").body().toString().contains("reloads_total{result=\"success\"} 1.0"); i++) {
      vertx.timer(10).await();
    }
    for (String uri : List.of("/metrics", "/api/v1/metrics")) {
      HttpResult result = get(uri);
      assertThat(result.header("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
      assertThat(result.body().toString())
          .contains("locci_config_reloads_total{result=\"success\"} 1.0")
          .contains("locci_upstream_health{server=\"127.0.0.1:3002\",upstream=\"app\"} 1.0");
    }
  }

  @Test
  void dashboardFilesLoadWithoutTheKeyWhileItsDataNeedsIt(Vertx vertx) throws Exception {
    start(vertx, KEY);
    HttpResult page = call(HttpMethod.GET, "/dashboard/", null, null, null);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.body().toString()).contains("<title>Locci Proxy dashboard</title>").contains("dashboard.js")
        .doesNotContain(KEY);
    assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'").contains("script-src 'self'")
        .contains("connect-src 'self'").contains("frame-ancestors 'none'");
    assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
    HttpResult js = call(HttpMethod.GET, "/dashboard/dashboard.js", null, null, null);
    assertThat(js.status()).isEqualTo(200);
    assertThat(js.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
    assertThat(js.body().toString()).contains("X-API-Key")
        .doesNotContain(".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "new EventSource");
    HttpResult css = call(HttpMethod.GET, "/dashboard/dashboard.css", null, null, null);
    assertThat(css.status()).isEqualTo(200);
    assertThat(css.header("Content-Type")).isEqualTo("text/css; charset=utf-8");

    HttpResult bare = call(HttpMethod.GET, "/dashboard", null, null, null);
    assertThat(bare.status()).isEqualTo(301);
    assertThat(bare.header("Location")).isEqualTo("/dashboard/");
    assertThat(call(HttpMethod.GET, "/dashboard/index.html", null, null, null).body()).isEqualTo(page.body());
    assertThat(call(HttpMethod.GET, "/dashboard/../api/v1/status", null, null, null).status()).isIn(401, 404);
    HttpResult missing = call(HttpMethod.GET, "/dashboard/secrets.json", null, null, null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().getString("error")).contains("no such dashboard file");
    HttpResult post = call(HttpMethod.POST, "/dashboard/", null, null, null);
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("Allow")).isEqualTo("GET, HEAD");
    HttpResult cached = call(HttpMethod.GET, "/dashboard/", null, "If-None-Match", page.header("ETag"));
    assertThat(cached.status()).isEqualTo(304);
    assertThat(cached.body().length()).isZero();
    HttpResult head = call(HttpMethod.HEAD, "/dashboard/dashboard.css", null, null, null);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(css.body().length()));

    for (String data : List.of("/api/v1/status", "/api/v1/routes", "/api/v1/upstreams", "/api/v1/traffic",
        "/api/v1/changes", "/api/v1/version")) {
      assertThat(call(HttpMethod.GET, data, null, null, null).status()).as(data).isEqualTo(401);
      assertThat(call(HttpMethod.GET, data, null, "X-API-Key", KEY).status()).as(data).isEqualTo(200);
    }
  }

  @Test
  void trafficListsEveryRouteInMatchOrderOverOneMinute(Vertx vertx) throws Exception {
    start(vertx, KEY);
    JsonObject traffic = get("/api/v1/traffic").json();
    assertThat(traffic.getInteger("window_secs")).isEqualTo(60);
    JsonArray routes = traffic.getJsonArray("routes");
    assertThat(routes.stream().map(r -> ((JsonObject) r).getString("route"))).containsExactly("users", "short");
    JsonObject users = routes.getJsonObject(0);
    assertThat(users.getString("upstream")).isEqualTo("app");
    assertThat(users.getLong("requests")).isZero();
    assertThat(users.getLong("errors")).isZero();
    assertThat(users.getDouble("requests_per_sec")).isZero();
    assertThat(users.getDouble("errors_per_sec")).isZero();
  }

  @Test
  void versionNamesTheSoftwareAndJava(Vertx vertx) throws Exception {
    start(vertx, KEY);
    JsonObject version = get("/api/v1/version").json();
    assertThat(version.getString("name")).isEqualTo("locci-proxy");
    assertThat(version.getString("version")).isEqualTo("dev"); // run from classes: no manifest
    assertThat(version.getString("java")).isEqualTo(Runtime.version().toString());
  }

  @Test
  void changesListReloadsAndApiChangesNewestFirstWithTheirDiffs(Vertx vertx) throws Exception {
    start(vertx, KEY);
    assertThat(get("/api/v1/changes").json().getJsonArray("changes")).isEmpty();
    String auth = "Bearer " + KEY;
    assertThat(call(HttpMethod.POST, "/api/v1/routes", new JsonObject().put("name", "web").put("path_pattern", "^/web")
        .put("upstream", "app"), "Authorization", auth).status()).isEqualTo(201);
    Files.writeString(file, yaml(KEY).replace("short: {path_pattern: \"^/\", upstream: other}",
        "short: {path_pattern: \"^/\", upstream: app}"));
    assertThat(call(HttpMethod.POST, "/api/v1/reload", null, "Authorization", auth).status()).isEqualTo(200);
    assertThat(call(HttpMethod.POST, "/api/v1/reload", null, "Authorization", auth).status()).isEqualTo(200);
    Files.writeString(file, yaml(KEY).replace("upstream: other}", "upstream: nowhere}"));
    assertThat(call(HttpMethod.POST, "/api/v1/reload", null, "Authorization", auth).status()).isEqualTo(400);

    JsonObject answer = get("/api/v1/changes").json();
    assertThat(answer.getLong("config_version")).isEqualTo(3);
    assertThat(answer.getInteger("max")).isEqualTo(20);
    JsonArray changes = answer.getJsonArray("changes");
    assertThat(changes.stream().map(c -> ((JsonObject) c).getString("source") + " " + ((JsonObject) c).getString("result")
        + " " + ((JsonObject) c).getLong("version")))
        .containsExactly("reload refused 3", "reload unchanged 3", "reload applied 3", "control_api applied 2");
    JsonObject refused = changes.getJsonObject(0);
    assertThat(refused.getJsonArray("errors").getString(0)).contains("unknown upstream \"nowhere\"");
    JsonObject reload = changes.getJsonObject(2);
    // The file knows no "web": the reload removed the route the API had added, and changed "short".
    assertThat(reload.getJsonObject("diff").getJsonObject("routes")).isEqualTo(new JsonObject()
        .put("added", new JsonArray()).put("removed", new JsonArray().add("web"))
        .put("changed", new JsonArray().add("short")));
    assertThat(reload.getJsonObject("diff").getJsonArray("keys").getList())
        .containsExactly("api_gateway.routes.short.upstream", "api_gateway.routes.web");
    assertThat(reload.getJsonArray("errors")).isEmpty();
    assertThat(reload.getJsonArray("restart_required")).isEmpty();
    assertThat(java.time.Instant.parse(reload.getString("at"))).isBeforeOrEqualTo(java.time.Instant.now());
    JsonObject api = changes.getJsonObject(3);
    assertThat(api.getJsonObject("diff").getJsonObject("routes").getJsonArray("added").getList()).containsExactly("web");
  }

  @Test
  void changesKeepOnlyTheLastTwenty(Vertx vertx) throws Exception {
    start(vertx, KEY);
    for (int i = 0; i < 12; i++) {
      assertThat(call(HttpMethod.POST, "/api/v1/routes", new JsonObject().put("name", "r" + i)
          .put("path_pattern", "^/r" + i).put("upstream", "app"), "X-API-Key", KEY).status()).isEqualTo(201);
      assertThat(call(HttpMethod.DELETE, "/api/v1/routes/r" + i, null, "X-API-Key", KEY).status()).isEqualTo(204);
    }
    JsonArray changes = get("/api/v1/changes").json().getJsonArray("changes");
    assertThat(changes).hasSize(20);
    assertThat(changes.getJsonObject(0).getLong("version")).isEqualTo(25);
    assertThat(changes.getJsonObject(0).getJsonObject("diff").getJsonObject("routes").getJsonArray("removed").getList())
        .containsExactly("r11");
    assertThat(changes.getJsonObject(19).getLong("version")).isEqualTo(6);
  }
}
