package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes made through the control API reach routing: the very next request after the answer, on a
 * keep-alive connection opened before the change, is served by the new version.
 */
@ExtendWith(VertxExtension.class)
class ControlApiRoutingTest {

  @TempDir
  Path dir;

  private final List<EchoUpstream> upstreams = new ArrayList<>();
  private HttpClient client;
  private RunningProxy proxy;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    for (int i = 1; i <= 3; i++) {
      upstreams.add(EchoUpstream.start(vertx, "s" + i).await());
    }
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    proxy = RunningProxy.start(dir.resolve("config.yaml"), """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 2}
        upstreams:
          app: {servers: ["%s"]}
        api_gateway:
          routes:
            api: {path_pattern: "^/api", upstream: app}
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(upstreams.get(0).address(), RunningProxy.KEY));
  }

  @AfterEach
  void tearDown() throws Exception {
    proxy.close();
    client.close().await();
  }

  private HttpResult get(String uri) {
    return HttpResult.get(client, proxy.port(), uri);
  }

  private HttpResult control(HttpMethod method, String uri, JsonObject body) {
    return proxy.control(client, method, uri, body);
  }

  private static JsonObject route(String name, String pattern, String upstream) {
    return new JsonObject().put("name", name).put("path_pattern", pattern).put("upstream", upstream);
  }

  @Test
  void addedAndRemovedRoutesApplyToTheNextRequest() {
    assertThat(get("/web/page").status()).isEqualTo(404);

    HttpResult added = control(HttpMethod.POST, "/api/v1/routes", route("web", "^/web", "app").put("strip_prefix", true));
    assertThat(added.status()).as(added.toString()).isEqualTo(201);
    assertThat(added.json().getLong("config_version")).isEqualTo(2);
    HttpResult routed = get("/web/page");
    assertThat(routed.status()).isEqualTo(200);
    assertThat(routed.json().getString("uri")).isEqualTo("/page");

    assertThat(control(HttpMethod.DELETE, "/api/v1/routes/web", null).status()).isEqualTo(204);
    assertThat(get("/web/page").status()).isEqualTo(404);
    assertThat(get("/api/x").status()).isEqualTo(200);
  }

  @Test
  void upstreamServersAddedAndRemovedApplyToTheNextRequest() {
    HttpResult created = control(HttpMethod.POST, "/api/v1/upstreams", new JsonObject().put("name", "more")
        .put("servers", new JsonArray().add(upstreams.get(1).address())));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(control(HttpMethod.POST, "/api/v1/routes", route("more", "^/more", "more")).status()).isEqualTo(201);
    assertThat(get("/more").header("X-Upstream-Id")).isEqualTo("s2");

    HttpResult extended = control(HttpMethod.POST, "/api/v1/upstreams", new JsonObject().put("name", "app")
        .put("servers", new JsonArray().add(upstreams.get(2).address())));
    assertThat(extended.status()).as(extended.toString()).isEqualTo(201);
    assertThat(extended.json().getJsonObject("upstream").getJsonArray("servers")).hasSize(2);
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      seen.add(get("/api").header("X-Upstream-Id"));
    }
    assertThat(seen).containsExactlyInAnyOrder("s1", "s3", "s1", "s3");

    String s1 = upstreams.get(0).address();
    assertThat(control(HttpMethod.DELETE, "/api/v1/upstreams/app/servers/" + s1, null).status()).isEqualTo(204);
    for (int i = 0; i < 4; i++) {
      assertThat(get("/api").header("X-Upstream-Id")).isEqualTo("s3");
    }
    assertThat(control(HttpMethod.DELETE, "/api/v1/upstreams/app/servers/" + s1, null).status()).isEqualTo(404);
  }

  @Test
  void duplicateIs409AndInvalidIs400AndRoutingStaysAsItWas() {
    HttpResult duplicate = control(HttpMethod.POST, "/api/v1/routes", route("api", "^/other", "app"));
    assertThat(duplicate.status()).isEqualTo(409);
    assertThat(duplicate.json().getInteger("status")).isEqualTo(409);
    assertThat(duplicate.json().getString("error")).contains("route \"api\" already exists");

    HttpResult invalid = control(HttpMethod.POST, "/api/v1/routes", route("bad", "^/bad(", "nope"));
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.json().getJsonArray("errors")).hasSize(2);

    assertThat(get("/other").status()).isEqualTo(404);
    assertThat(get("/bad").status()).isEqualTo(404);
    assertThat(get("/api/still").status()).isEqualTo(200);
    assertThat(control(HttpMethod.GET, "/api/v1/status", null).json().getLong("config_version")).isEqualTo(1);
    assertThat(control(HttpMethod.GET, "/api/v1/routes", null).json().getJsonArray("routes")).hasSize(1);
  }
}
