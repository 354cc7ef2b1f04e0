package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawClient;
import cloud.locci.proxy.core.testing.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §15 in API-gateway mode: the canonical path is what routes, middlewares and the upstream see;
 * the client headers the proxy does not believe are gone before routing; Host is normalised.
 */
@ExtendWith(VertxExtension.class)
class RequestHygieneGatewayTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private Vertx vertx;
  private EchoUpstream admin;
  private EchoUpstream limited;
  private EchoUpstream shop;
  private EchoUpstream other;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    admin = EchoUpstream.start(vertx, "admin").await();
    limited = EchoUpstream.start(vertx, "limited").await();
    shop = EchoUpstream.start(vertx, "shop").await();
    other = EchoUpstream.start(vertx, "catch-all").await();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  /** A gateway with a JWT-protected ^/admin, a rate-limited ^/limited, a host route and a catch-all. */
  private int deploy(String serverExtra) {
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        SERVER
        upstreams:
          admin: { servers: ["%s"] }
          limited: { servers: ["%s"] }
          shop: { servers: ["%s"] }
          other: { servers: ["%s"] }
        api_gateway:
          routes:
            admin: { path_pattern: "^/admin", upstream: admin, middlewares: [auth] }
            limited: { path_pattern: "^/limited", upstream: limited, middlewares: [limit] }
            shop: { path_pattern: "^/", host: shop.example.com, upstream: shop }
            all: { path_pattern: "^/", upstream: other }
          middlewares:
            auth: { type: authentication, jwt_secret: "%s" }
            limit: { type: rate_limiting, requests_per_minute: 1 }
        control_api: { enabled: false }
        """.formatted(admin.address(), limited.address(), shop.address(), other.address(), SECRET)
        .replace("SERVER", serverExtra.indent(2).stripTrailing());
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1).await().port();
  }

  /** Sends {@code target} byte for byte (no client normalises it), with {@code headers} lines. */
  private RawClient.Exchange raw(int port, String target, String... headerLines) {
    StringBuilder head = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: app.example\r\n");
    for (String h : headerLines) {
      head.append(h).append("\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    return RawClient.sendAndAwaitClose(vertx, port, head.toString(), 5_000).await();
  }

  private static JsonObject echoed(RawClient.Exchange r) {
    String text = r.received();
    return new JsonObject(text.substring(text.indexOf("\r\n\r\n") + 4));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/%61dmin/x", "//admin/x", "/%61%64%6D%69%6E/x", "///admin//x", "/admin%2fx"})
  void encodedOrDoubledSlashPathsCannotSkipTheAuthenticatedRoute(String target) {
    int port = deploy("");
    RawClient.Exchange r = raw(port, target);
    assertThat(r.status()).as(r.received()).isIn(400, 401);
    assertThat(r.received()).doesNotContainIgnoringCase("x-upstream-id");
  }

  @Test
  void theAuthenticatedRouteStillServesItsCanonicalPathWithAToken() {
    int port = deploy("");
    String token = TestTokens.hs256(vertx, SECRET).forSubject("alice");
    RawClient.Exchange r = raw(port, "/%61dmin//x%7e?q=%61", "Authorization: Bearer " + token);
    assertThat(r.status()).as(r.received()).isEqualTo(200);
    JsonObject echo = echoed(r);
    assertThat(echo.getString("id")).isEqualTo("admin");
    // unreserved escapes decoded, slashes merged, the query left as sent
    assertThat(echo.getString("uri")).isEqualTo("/admin/x~?q=%61");
    assertThat(echo.getJsonObject("headers").getJsonArray("x-auth-subject").getList()).containsExactly("alice");
  }

  @Test
  void aRateLimitedRouteCannotBeEscapedThroughAnotherSpelling() {
    int port = deploy("");
    assertThat(raw(port, "/limited/a").status()).isEqualTo(200);
    for (String spelling : new String[] {"/%6Cimited/a", "//limited/a", "/limited//a", "/l%69mited/a"}) {
      RawClient.Exchange r = raw(port, spelling);
      assertThat(r.status()).as(spelling).isEqualTo(429);
    }
  }

  @Test
  void otherEscapesAreKeptInUpperCaseHex() {
    int port = deploy("");
    RawClient.Exchange r = raw(port, "/files/a%3ab%c3%a9%20c");
    assertThat(r.status()).as(r.received()).isEqualTo(200);
    assertThat(echoed(r).getString("uri")).isEqualTo("/files/a%3Ab%C3%A9%20c");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/files/a%2Fb", "/files/a%2fb", "/files/a%5Cb", "/files/a%00b", "/files/a\\b",
      "/files/%2e%2e/admin", "/files/.%2E/admin", "/files/%2E/x", "/a/../admin", "/bad%zz", "/bad%2"})
  void encodedSeparatorsDotSegmentsAndBrokenEscapesAre400(String target) {
    int port = deploy("");
    RawClient.Exchange r = raw(port, target);
    assertThat(r.status()).as(r.received()).isEqualTo(400);
    assertThat(r.received()).containsIgnoringCase("x-locci-reason: bad_request");
  }

  @Test
  void allowEncodedSlashesForwardsThemStillEncoded() {
    int port = deploy("allow_encoded_slashes: true");
    RawClient.Exchange r = raw(port, "/files/a%2fb%5Cc%00d");
    assertThat(r.status()).as(r.received()).isEqualTo(200);
    assertThat(echoed(r).getString("uri")).isEqualTo("/files/a%2Fb%5Cc%00d");
    assertThat(raw(port, "/files/%2e%2e/admin").status()).as("dot segments stay refused").isEqualTo(400);
    assertThat(raw(port, "/%61dmin%2Fx").status()).as("and the auth route still matches").isEqualTo(401);
  }

  @Test
  void hostIsLowerCasedAndItsTrailingDotRemovedBeforeHostMatching() {
    int port = deploy("");
    for (String host : new String[] {"shop.example.com", "SHOP.Example.COM", "shop.example.com.", "Shop.Example.Com.:80"}) {
      String head = "GET /p HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
      RawClient.Exchange r = RawClient.sendAndAwaitClose(vertx, port, head, 5_000).await();
      assertThat(r.status()).as(host).isEqualTo(200);
      assertThat(echoed(r).getString("id")).as(host).isEqualTo("shop");
    }
  }

  @Test
  void clientsCannotSendAuthSubjectsOrUnderscoredNames() {
    int port = deploy("");
    RawClient.Exchange r = raw(port, "/open", "X-Auth-Subject: admin", "X_Auth_Subject: admin",
        "x-auth-subject: root", "My_Header: 1", "My-Header: 2");
    assertThat(r.status()).as(r.received()).isEqualTo(200);
    JsonObject headers = echoed(r).getJsonObject("headers");
    assertThat(headers.fieldNames()).doesNotContain("x-auth-subject", "x_auth_subject", "my_header")
        .contains("my-header");
  }

  @Test
  void underscoresInHeadersKeepsUnderscoredNamesButNeverAnAuthSubject() {
    int port = deploy("underscores_in_headers: true");
    RawClient.Exchange r = raw(port, "/open", "X-Auth-Subject: admin", "My_Header: 1");
    JsonObject headers = echoed(r).getJsonObject("headers");
    assertThat(headers.fieldNames()).doesNotContain("x-auth-subject").contains("my_header");
  }

  @Test
  void forwardingHeadersOfAnUntrustedPeerAreReplacedByTheProxysOwn() {
    int port = deploy("");
    RawClient.Exchange r = raw(port, "/open", "X-Forwarded-For: 6.6.6.6", "X-Forwarded-Proto: https",
        "X-Forwarded-Host: evil.example", "X-Forwarded-Port: 443", "Forwarded: for=6.6.6.6", "X-Real-IP: 6.6.6.6");
    JsonObject h = echoed(r).getJsonObject("headers");
    assertThat(h.getJsonArray("x-forwarded-for").getList()).containsExactly("127.0.0.1");
    assertThat(h.getJsonArray("x-forwarded-proto").getList()).containsExactly("http");
    assertThat(h.getJsonArray("x-forwarded-host").getList()).containsExactly("app.example");
    assertThat(h.getJsonArray("x-forwarded-port").getList()).containsExactly(Integer.toString(port));
    assertThat(h.getJsonArray("x-real-ip").getList()).containsExactly("127.0.0.1");
    assertThat(h.fieldNames()).doesNotContain("forwarded");
  }

  @Test
  void forwardingHeadersOfATrustedProxyAreKeptAndForIsAppendedTo() {
    int port = deploy("trusted_proxies: [\"10.0.0.0/8\", \"127.0.0.1\"]");
    RawClient.Exchange r = raw(port, "/open", "X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https",
        "X-Forwarded-Host: shop.example", "X-Forwarded-Port: 443", "Forwarded: for=203.0.113.9",
        "X-Real-IP: 203.0.113.9");
    JsonObject h = echoed(r).getJsonObject("headers");
    assertThat(h.getJsonArray("x-forwarded-for").getList()).containsExactly("203.0.113.9, 127.0.0.1");
    assertThat(h.getJsonArray("x-forwarded-proto").getList()).containsExactly("https");
    assertThat(h.getJsonArray("x-forwarded-host").getList()).containsExactly("shop.example");
    assertThat(h.getJsonArray("x-forwarded-port").getList()).containsExactly("443");
    assertThat(h.getJsonArray("x-real-ip").getList()).containsExactly("203.0.113.9");
    assertThat(h.getJsonArray("forwarded").getList()).containsExactly("for=203.0.113.9");
  }

  @Test
  void strictRequestsAreRefusedInGatewayModeToo() {
    int port = deploy("");
    RawClient.Exchange noHost = RawClient.sendAndAwaitClose(vertx, port, "GET /open HTTP/1.1\r\n\r\n", 5_000).await();
    assertThat(noHost.status()).isEqualTo(400);
    RawClient.Exchange nul = raw(port, "/open\u0000x");
    assertThat(nul.status()).isEqualTo(400);
    RawClient.Exchange ctl = raw(port, "/open", "X-A: \u0001");
    assertThat(ctl.status()).isEqualTo(400);
    assertThat(noHost.received() + nul.received() + ctl.received()).doesNotContainIgnoringCase("x-upstream-id");
    // Vert.x's client on a keep-alive connection: the 400 says Connection: close.
    HttpResult ok = HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(port).setURI("/open"), null);
    assertThat(ok.status()).isEqualTo(200);
  }
}
