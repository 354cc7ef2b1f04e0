package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.ReloadOutcome;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §11 on real sockets: matchers and their order, split, rewrite, header rules, request ids. */
@ExtendWith(VertxExtension.class)
class GatewayTrafficPoliciesTest {

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    // No keep-alive: each request opens a connection, so requests spread over every proxy instance.
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private HttpResult get(int port, String uri, Map<String, String> headers) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(uri);
    headers.forEach(o::putHeader);
    return HttpResult.send(client, o, null);
  }

  @Test
  void headerAndQueryMatchersChooseTheRouteAndMoreMatchersWinOverFileOrder() {
    EchoUpstream stable = EchoUpstream.start(vertx, "stable").await();
    EchoUpstream canary = EchoUpstream.start(vertx, "canary").await();
    EchoUpstream beta = EchoUpstream.start(vertx, "beta").await();
    // Same pattern length everywhere: the routes with matchers must win although listed last.
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          stable: { servers: ["%s"] }
          canary: { servers: ["%s"] }
          beta: { servers: ["%s"] }
        api_gateway:
          routes:
            plain: { path_pattern: "^/app", upstream: stable }
            by_query: { path_pattern: "^/app", upstream: beta, match_query: { "ver sion": "2 b" } }
            by_header:
              path_pattern: "^/app"
              upstream: canary
              match_headers: { X-Canary: "1", X-Team: "*" }
        control_api: { enabled: false }
        """.formatted(stable.address(), canary.address(), beta.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1).await().port();

    assertThat(get(port, "/app", Map.of()).header("X-Upstream-Id")).isEqualTo("stable");
    // Header names ignore case; "*" accepts any value; both headers are needed.
    assertThat(get(port, "/app", Map.of("x-canary", "1", "x-team", "anything")).header("X-Upstream-Id"))
        .isEqualTo("canary");
    assertThat(get(port, "/app", Map.of("X-Canary", "1")).header("X-Upstream-Id")).isEqualTo("stable");
    // Values are exact.
    assertThat(get(port, "/app", Map.of("X-Canary", "10", "X-Team", "a")).header("X-Upstream-Id"))
        .isEqualTo("stable");
    // Query: first occurrence, percent-decoded, + as space.
    assertThat(get(port, "/app?ver%20sion=2+b&ver+sion=1", Map.of()).header("X-Upstream-Id")).isEqualTo("beta");
    assertThat(get(port, "/app?ver+sion=1&ver%20sion=2%20b", Map.of()).header("X-Upstream-Id"))
        .isEqualTo("stable");
    // Two matchers beat one at equal length.
    assertThat(get(port, "/app?ver+sion=2+b", Map.of("X-Canary", "1", "X-Team", "t")).header("X-Upstream-Id"))
        .isEqualTo("canary");
  }

  @Test
  void aNinetyTenSplitIsExactOverAnyHundredConsecutiveRequestsAcrossInstances() {
    EchoUpstream a = EchoUpstream.start(vertx, "a").await();
    EchoUpstream b = EchoUpstream.start(vertx, "b").await();
    EchoUpstream c = EchoUpstream.start(vertx, "c").await();
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          stable: { servers: ["%s", "%s"] }
          canary: { servers: ["%s"] }
        api_gateway:
          routes:
            app:
              path_pattern: "^/"
              split: [{ upstream: stable, weight: 90 }, { upstream: canary, weight: 10 }]
        control_api: { enabled: false }
        """.formatted(a.address(), b.address(), c.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 2).await().port();

    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      seen.add(get(port, "/x", Map.of()).header("X-Upstream-Id"));
    }
    for (int start = 0; start + 100 <= seen.size(); start++) {
      long canary = seen.subList(start, start + 100).stream().filter("c"::equals).count();
      assertThat(canary).as("canary requests among requests %d-%d", start, start + 99).isEqualTo(10);
    }
    // The stable upstream's own strategy (round robin) shares its 90%.
    long toA = seen.subList(0, 200).stream().filter("a"::equals).count();
    long toB = seen.subList(0, 200).stream().filter("b"::equals).count();
    assertThat(toA).isEqualTo(90);
    assertThat(toB).isEqualTo(90);
  }

  @Test
  void splitPositionSurvivesAReloadThatKeepsTheSplit(@TempDir Path dir) throws Exception {
    EchoUpstream a = EchoUpstream.start(vertx, "a").await();
    EchoUpstream b = EchoUpstream.start(vertx, "b").await();
    String base = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          stable: { servers: ["%s"] }
          canary: { servers: ["%s"] }
        api_gateway:
          routes:
            app:
              path_pattern: "^/app"
              split: [{ upstream: stable, weight: 90 }, { upstream: canary, weight: 10 }]
        control_api: { enabled: false }
        """.formatted(a.address(), b.address());
    Path file = dir.resolve("proxy.yaml");
    Files.writeString(file, base);
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(base), Optional.of(file), GatewayMode::new, 2)
        .await().port();
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      seen.add(get(port, "/app", Map.of()).header("X-Upstream-Id"));
    }
    // Another route added; the split route is unchanged.
    Files.writeString(file, base.replace("control_api:",
        "    marker: { path_pattern: \"^/marker\", upstream: stable }\ncontrol_api:"));
    ReloadOutcome outcome = vertx.eventBus().<ReloadOutcome>request(Addresses.CONFIG_RELOAD, null).await().body();
    assertThat(outcome.errors()).isEmpty();
    assertThat(outcome.diff().routes().added()).containsExactly("marker");
    for (int i = 0; i < 2; i++) {
      // Each instance takes the new version on its next request; /marker does not touch the split.
      Eventually.until(vertx, Duration.ofSeconds(5), "the reloaded route",
          () -> HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/marker"), null)
              .map(r -> r.status() == 200)).await();
    }
    for (int i = 0; i < 95; i++) {
      seen.add(get(port, "/app", Map.of()).header("X-Upstream-Id"));
    }
    // Had the reload restarted the sequence, the first five positions (all stable) would come twice: 91/9.
    assertThat(seen.stream().filter("b"::equals).count()).isEqualTo(10);
  }

  @Test
  void aSplitPassesOverAnUpstreamWithNoServerInRotation() {
    EchoUpstream a = EchoUpstream.start(vertx, "a").await();
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          stable: { servers: ["%s"] }
          off: { servers: ["%s"] }
        api_gateway:
          routes:
            app:
              path_pattern: "^/"
              split: [{ upstream: stable, weight: 1 }, { upstream: off, weight: 0 }]
        control_api: { enabled: false }
        """.formatted(a.address(), "127.0.0.1:9");
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1).await().port();
    // Weight 0 takes "off" out: every request goes to stable.
    for (int i = 0; i < 10; i++) {
      assertThat(get(port, "/", Map.of()).header("X-Upstream-Id")).isEqualTo("a");
    }
  }

  @Test
  void rewriteAppliesAfterStripPrefixAndKeepsTheQuery() {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          app: { servers: ["%s"] }
        api_gateway:
          routes:
            v1:
              path_pattern: "^/public"
              strip_prefix: true
              upstream: app
              rewrite: { pattern: "^/v1/([a-z]+)/(\\\\d+)", replacement: "/api/$1/item-$2" }
            bare:
              path_pattern: "^/bare"
              upstream: app
              rewrite: { pattern: "^/bare/?", replacement: "x$$" }
        control_api: { enabled: false }
        """.formatted(echo.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1).await().port();
    JsonObject seen = get(port, "/public/v1/users/42/rest?q=a%20b&z=1", Map.of()).json();
    assertThat(seen.getString("uri")).isEqualTo("/api/users/item-42/rest?q=a%20b&z=1");
    // Not matching: unchanged.
    assertThat(get(port, "/public/v2/users", Map.of()).json().getString("uri")).isEqualTo("/v2/users");
    // A result without a leading slash gets one; $$ is a dollar sign.
    assertThat(get(port, "/bare/tail", Map.of()).json().getString("uri")).isEqualTo("/x$tail");
  }

  @Test
  void headerRulesReachTheUpstreamAndTheClientInOrderRemoveSetAdd() {
    RawUpstream raw = RawUpstream.start(vertx, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: secret/1.0\r\n"
        + "X-Powered-By: php\r\nX-Old: upstream\r\n\r\nok").await();
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          backend: { servers: ["%s"] }
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: backend
              request_headers:
                remove: [Cookie, X-Debug]
                set: { X-Debug: "from-proxy", X-Client: "${client_ip}", X-Route: "${route}/${upstream}" }
                add: { X-Trace-Ids: "id=${request_id}" }
              response_headers:
                remove: [Server, X-Powered-By]
                set: { X-Old: "replaced", X-Served-By: "${upstream}" }
                add: { X-Old: "second" }
        control_api: { enabled: false }
        """.formatted(raw.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1).await().port();
    HttpResult r = get(port, "/api/x", Map.of("Cookie", "session=1", "X-Debug", "client", "X-Trace-Ids", "t1",
        "X-Request-Id", "req-42"));
    assertThat(r.status()).isEqualTo(200);
    String head = raw.heads().get(0).toLowerCase();
    assertThat(head).doesNotContain("cookie:").doesNotContain("x-debug: client");
    assertThat(head).contains("x-debug: from-proxy\r\n", "x-client: 127.0.0.1\r\n", "x-route: api/backend\r\n",
        "x-trace-ids: t1\r\n", "x-trace-ids: id=req-42\r\n", "x-request-id: req-42\r\n");
    assertThat(r.headers().contains("Server")).isFalse();
    assertThat(r.headers().contains("X-Powered-By")).isFalse();
    assertThat(r.headers().getAll("X-Old")).containsExactly("replaced", "second");
    assertThat(r.header("X-Served-By")).isEqualTo("backend");
    assertThat(r.header("X-Request-Id")).isEqualTo("req-42");
    assertThat(r.body().toString()).isEqualTo("ok");
  }

  @Test
  void requestIdIsKeptOrReplacedAndComesBackInErrorBodies() {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    String yaml = """
        mode: api_gateway
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          app: { servers: ["%s"] }
          dead: { servers: ["127.0.0.1:9"] }
        api_gateway:
          routes:
            app: { path_pattern: "^/app", upstream: app }
            dead: { path_pattern: "^/dead", upstream: dead }
        control_api: { enabled: false }
        """.formatted(echo.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1).await().port();
    String uuid = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    String kept = "abc-" + "x".repeat(196);
    HttpResult ok = get(port, "/app", Map.of("X-Request-Id", kept));
    assertThat(ok.header("X-Request-Id")).isEqualTo(kept);
    assertThat(ok.json().getJsonObject("headers").getJsonArray("x-request-id").getList()).containsExactly(kept);

    HttpResult none = get(port, "/app", Map.of());
    assertThat(none.header("X-Request-Id")).matches(uuid);
    assertThat(none.json().getJsonObject("headers").getJsonArray("x-request-id").getList())
        .containsExactly(none.header("X-Request-Id"));

    for (String bad : new String[] {kept + "y", "has space", "tab\tinside", "caf\u00e9"}) {
      HttpResult replaced = get(port, "/app", Map.of("X-Request-Id", bad));
      assertThat(replaced.header("X-Request-Id")).as("replacing %s", bad).matches(uuid);
      assertThat(replaced.json().getJsonObject("headers").getJsonArray("x-request-id").getList())
          .containsExactly(replaced.header("X-Request-Id"));
    }

    HttpResult notFound = get(port, "/nowhere", Map.of("X-Request-Id", "lost-1"));
    assertThat(notFound.status()).isEqualTo(404);
    assertThat(notFound.header("X-Request-Id")).isEqualTo("lost-1");
    assertThat(notFound.json().getString("request_id")).isEqualTo("lost-1");

    HttpResult refused = get(port, "/dead", Map.of());
    assertThat(refused.status()).isEqualTo(502);
    assertThat(refused.json().getString("request_id")).matches(uuid).isEqualTo(refused.header("X-Request-Id"));
  }
}
