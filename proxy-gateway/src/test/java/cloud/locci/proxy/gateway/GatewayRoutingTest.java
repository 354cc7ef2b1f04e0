package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Routing through a real gateway proxy to real upstreams: order, host, methods, strip_prefix, errors. */
@ExtendWith(VertxExtension.class)
class GatewayRoutingTest {

  private Vertx vertx;
  private EchoUpstream users;
  private EchoUpstream web;
  private EchoUpstream admin;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    users = EchoUpstream.start(vertx, "users").await();
    web = EchoUpstream.start(vertx, "web").await();
    admin = EchoUpstream.start(vertx, "admin").await();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private int deploy(String routes) {
    return deploy(routes, "");
  }

  private int deploy(String routes, String serverExtra) {
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        %s
        upstreams:
          users_service: { servers: ["%s"] }
          web_service: { servers: ["%s"] }
          admin_service: { servers: ["%s"] }
        api_gateway:
          routes:
        %s
        control_api:
          enabled: false
        """.formatted(serverExtra.indent(2).stripTrailing(), users.address(), web.address(), admin.address(),
        routes.indent(4).stripTrailing());
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 2).await().port();
  }

  private HttpResult request(int port, HttpMethod method, String host, String uri) {
    RequestOptions options = new RequestOptions().setMethod(method).setPort(port).setHost("127.0.0.1").setURI(uri);
    if (host != null) {
      options.putHeader("Host", host);
    }
    return HttpResult.send(client, options, null);
  }

  private HttpResult get(int port, String uri) {
    return request(port, HttpMethod.GET, null, uri);
  }

  @Test
  void longestPatternWinsEvenWhenTheCatchAllIsListedFirst() {
    int port = deploy("""
        web_app:
          path_pattern: "^/"
          upstream: web_service
        users_api:
          path_pattern: "^/api/users"
          methods: [GET, POST, PUT, DELETE]
          upstream: users_service
        """);
    assertThat(get(port, "/api/users/123").header("X-Upstream-Id")).isEqualTo("users");
    assertThat(get(port, "/index.html").header("X-Upstream-Id")).isEqualTo("web");
    assertThat(get(port, "/api/other").header("X-Upstream-Id")).isEqualTo("web");
  }

  @Test
  void equalLengthPatternsAreTriedInFileOrder() {
    int port = deploy("""
        first:
          path_pattern: "^/a/[0-9]+"
          upstream: users_service
        second:
          path_pattern: "^/a/[0-9]*"
          upstream: web_service
        """);
    assertThat(get(port, "/a/12").header("X-Upstream-Id")).isEqualTo("users");
    assertThat(get(port, "/a/").header("X-Upstream-Id")).isEqualTo("web");
  }

  @Test
  void stripPrefixRemovesTheMatchKeepsTheQueryAndLeavesSlashWhenEmpty() {
    int port = deploy("""
        api:
          path_pattern: "^/api"
          upstream: users_service
          strip_prefix: true
        """);
    assertThat(get(port, "/api/users").json().getString("uri")).isEqualTo("/users");
    assertThat(get(port, "/api").json().getString("uri")).isEqualTo("/");
    assertThat(get(port, "/api?x=1&y=2").json().getString("uri")).isEqualTo("/?x=1&y=2");
    assertThat(get(port, "/api/users/7?expand=true").json().getString("uri")).isEqualTo("/users/7?expand=true");
    assertThat(get(port, "/apix").json().getString("uri")).isEqualTo("/x");
  }

  @Test
  void withoutStripPrefixThePathIsForwardedUnchanged() {
    int port = deploy("""
        api:
          path_pattern: "^/api"
          upstream: users_service
        """);
    assertThat(get(port, "/api/users?q=a%20b").json().getString("uri")).isEqualTo("/api/users?q=a%20b");
  }

  @Test
  void hostConditionsAreCaseInsensitiveWithoutPortAndWildcardsExcludeTheApex() {
    int port = deploy("""
        admin:
          path_pattern: "^/"
          host: admin.example.com
          upstream: admin_service
        tenants:
          path_pattern: "^/"
          host: "*.example.com"
          upstream: users_service
        fallback:
          path_pattern: "^/"
          upstream: web_service
        """);
    assertThat(request(port, HttpMethod.GET, "ADMIN.example.com:8080", "/").header("X-Upstream-Id")).isEqualTo("admin");
    assertThat(request(port, HttpMethod.GET, "acme.example.com", "/").header("X-Upstream-Id")).isEqualTo("users");
    assertThat(request(port, HttpMethod.GET, "a.b.example.com", "/").header("X-Upstream-Id")).isEqualTo("users");
    assertThat(request(port, HttpMethod.GET, "example.com", "/").header("X-Upstream-Id")).isEqualTo("web");
    assertThat(request(port, HttpMethod.GET, "other.org", "/").header("X-Upstream-Id")).isEqualTo("web");
  }

  @Test
  void methodNotAllowedIs405WithTheUnionOfMethodsAndHeadWhereGetIsAllowed() {
    int port = deploy("""
        read:
          path_pattern: "^/items"
          methods: [GET]
          upstream: users_service
        write:
          path_pattern: "^/item"
          methods: [POST, PUT]
          upstream: web_service
        """);
    HttpResult r = request(port, HttpMethod.DELETE, null, "/items/1");
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo("GET, HEAD, POST, PUT");
    assertThat(r.header("X-Locci-Reason")).isEqualTo("method_not_allowed");
    assertThat(r.json().getString("reason")).isEqualTo("method_not_allowed");
    assertThat(r.json().getInteger("status")).isEqualTo(405);
    // A later route that allows the method still wins.
    assertThat(request(port, HttpMethod.POST, null, "/items/1").header("X-Upstream-Id")).isEqualTo("web");
    assertThat(request(port, HttpMethod.HEAD, null, "/items/1").status()).isEqualTo(200);
  }

  @Test
  void noMatchIs404WithTheJsonBody() {
    int port = deploy("""
        users:
          path_pattern: "^/users"
          upstream: users_service
        """);
    HttpResult r = get(port, "/nothing");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.header("X-Locci-Reason")).isEqualTo("route_not_found");
    JsonObject body = r.json();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "status", "reason", "request_id");
    assertThat(body.getString("request_id")).isEqualTo(r.header("X-Request-Id"));
    assertThat(body.getInteger("status")).isEqualTo(404);
    assertThat(body.getString("reason")).isEqualTo("route_not_found");
  }

  @Test
  void pathsWithDotSegmentsAreRefusedSoTheyCannotSlipPastARoute() {
    int port = deploy("""
        public:
          path_pattern: "^/public"
          upstream: web_service
        """);
    HttpResult r = get(port, "/public/../admin");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.header("X-Locci-Reason")).isEqualTo("bad_request");
    assertThat(get(port, "/public/%2e%2e/admin").status()).isEqualTo(400);
    assertThat(get(port, "/public/file.v1.txt").status()).isEqualTo(200);
  }

  @Test
  @Timeout(20)
  void aHostilePatternAndPathCannotPinTheProxy() {
    int port = deploy("""
        evil:
          path_pattern: "^/(a+)+$"
          upstream: users_service
        """, """
        max_request_line: 65536
        max_header_size: 65536
        """);
    String path = "/" + "a".repeat(50_000) + "!";
    // With a backtracking engine this takes longer than the universe; RE2 answers at once.
    HttpResult r = get(port, path);
    assertThat(r.status()).isEqualTo(404);
    assertThat(get(port, "/aaaa").status()).isEqualTo(200);
  }
}
