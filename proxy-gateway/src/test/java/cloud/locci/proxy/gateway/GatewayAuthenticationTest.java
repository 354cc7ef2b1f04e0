package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The {@code authentication} middleware through a real gateway, with tokens signed in the test. */
@ExtendWith(VertxExtension.class)
class GatewayAuthenticationTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

  private Vertx vertx;
  private EchoUpstream upstream;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    upstream = EchoUpstream.start(vertx, "echo").await();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private int deploy(String keySetting) {
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["ECHO"]
        api_gateway:
          routes:
            all:
              path_pattern: "^/"
              upstream: app
              middlewares: [auth]
          middlewares:
            auth:
              type: authentication
              KEY
              excluded_paths: ["/health", "/auth/open/*"]
        control_api:
          enabled: false
        """.replace("ECHO", upstream.address()).replace("KEY", keySetting);
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 2).await().port();
  }

  private int deployHs256() {
    return deploy("jwt_secret: \"" + SECRET + "\"");
  }

  private HttpResult get(int port, String uri, String token, String... headers) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri);
    if (token != null) {
      options.addHeader("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headers.length; i += 2) {
      options.addHeader(headers[i], headers[i + 1]);
    }
    return HttpResult.send(client, options, null);
  }

  private static void assertUnauthorized(HttpResult r, String challenge) {
    assertThat(r.status()).as(r.toString()).isEqualTo(401);
    assertThat(r.header("X-Locci-Reason")).as(r.toString()).isEqualTo("unauthorized");
    assertThat(r.body().toString()).as(r.toString()).startsWith("{");
    assertThat(r.json().getString("reason")).isEqualTo("unauthorized");
    assertThat(r.header("WWW-Authenticate")).startsWith(challenge);
    assertThat(r.header("X-Upstream-Id")).as("never reached the upstream").isNull();
  }

  @Test
  void aValidTokenPassesAndItsSubjectReplacesTheOneTheClientSent() {
    int port = deployHs256();
    String token = TestTokens.hs256(vertx, SECRET).forSubject("alice");

    HttpResult r = get(port, "/api/orders?x=1", token, "X-Auth-Subject", "admin");

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonObject seen = r.json().getJsonObject("headers");
    assertThat(seen.getJsonArray("x-auth-subject").getList()).containsExactly("alice");
    assertThat(seen.getJsonArray("authorization").getList()).containsExactly("Bearer " + token);
  }

  @Test
  void noTokenOrAnotherSchemeIsAChallengeWithoutErrorCode() {
    int port = deployHs256();

    HttpResult none = get(port, "/api", null);
    assertUnauthorized(none, "Bearer");
    assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer");

    HttpResult basic = get(port, "/api", null, "Authorization", "Basic YWxpY2U6c2VjcmV0");
    assertThat(basic.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertUnauthorized(basic, "Bearer");
  }

  @Test
  void tamperedForeignAndUnsignedTokensAreInvalid() {
    int port = deployHs256();
    TestTokens tokens = TestTokens.hs256(vertx, SECRET);
    String good = tokens.forSubject("alice");
    JsonObject claims = new JsonObject().put("sub", "admin").put("exp", TestTokens.nowSecs() + 3600);

    assertUnauthorized(get(port, "/api", TestTokens.tamper(good, claims)), "Bearer error=\"invalid_token\"");
    assertUnauthorized(get(port, "/api", TestTokens.hs256(vertx, "another-secret-another-secret!!!").sign(claims)),
        "Bearer error=\"invalid_token\"");
    assertUnauthorized(get(port, "/api", TestTokens.unsigned(claims)), "Bearer error=\"invalid_token\"");
    assertUnauthorized(get(port, "/api", "not-a-jwt"), "Bearer error=\"invalid_token\"");
  }

  @Test
  void expiryAndNotBeforeAreHonouredWithThirtySecondsOfSkew() {
    int port = deployHs256();
    TestTokens tokens = TestTokens.hs256(vertx, SECRET);
    long now = TestTokens.nowSecs();

    HttpResult expired = get(port, "/api", tokens.sign(new JsonObject().put("sub", "a").put("exp", now - 120)));
    assertUnauthorized(expired, "Bearer error=\"invalid_token\"");
    assertThat(expired.header("WWW-Authenticate")).contains("expired");

    HttpResult early = get(port, "/api", tokens.sign(new JsonObject().put("sub", "a").put("nbf", now + 600)
        .put("exp", now + 3600)));
    assertUnauthorized(early, "Bearer error=\"invalid_token\"");
    assertThat(early.header("WWW-Authenticate")).contains("not valid yet");

    assertThat(get(port, "/api", tokens.sign(new JsonObject().put("sub", "a").put("exp", now - 5))).status())
        .as("expired 5 s ago, within the skew").isEqualTo(200);
    assertThat(get(port, "/api", tokens.sign(new JsonObject().put("sub", "a").put("nbf", now + 5)
        .put("exp", now + 3600))).status())
        .as("valid in 5 s, within the skew").isEqualTo(200);
    assertUnauthorized(get(port, "/api", tokens.sign(new JsonObject().put("sub", "a").put("exp", "tomorrow"))),
        "Bearer error=\"invalid_token\"");
  }

  @Test
  void aTokenWithoutExpIsRefusedByDefault() {
    String eternal = TestTokens.hs256(vertx, SECRET).sign(new JsonObject().put("sub", "a"));

    HttpResult refused = get(deployHs256(), "/api", eternal);
    assertUnauthorized(refused, "Bearer error=\"invalid_token\"");
    assertThat(refused.header("WWW-Authenticate")).contains("no exp claim");
  }

  @Test
  void requireExpFalseAcceptsATokenWithoutExp() {
    String eternal = TestTokens.hs256(vertx, SECRET).sign(new JsonObject().put("sub", "a"));

    int lenient = deploy("jwt_secret: \"" + SECRET + "\"\n      require_exp: false");
    assertThat(get(lenient, "/api", eternal).status()).isEqualTo(200);
  }

  @Test
  void audienceAndIssuerAreCheckedWhenSetAndTheirAbsenceIsRefused() {
    int port = deploy("jwt_secret: \"" + SECRET + "\"\n      audience: orders-api\n      issuer: https://login.example.com");
    TestTokens tokens = TestTokens.hs256(vertx, SECRET);
    long exp = TestTokens.nowSecs() + 3600;
    JsonObject good = new JsonObject().put("sub", "a").put("exp", exp).put("iss", "https://login.example.com");

    assertThat(get(port, "/api", tokens.sign(good.copy().put("aud", "orders-api"))).status()).isEqualTo(200);
    assertThat(get(port, "/api", tokens.sign(good.copy().put("aud", new JsonArray().add("other").add("orders-api"))))
        .status()).as("aud as an array containing ours").isEqualTo(200);

    HttpResult otherAud = get(port, "/api", tokens.sign(good.copy().put("aud", new JsonArray().add("other"))));
    assertUnauthorized(otherAud, "Bearer error=\"invalid_token\"");
    assertThat(otherAud.header("WWW-Authenticate")).contains("audience");
    HttpResult noAud = get(port, "/api", tokens.sign(good.copy()));
    assertUnauthorized(noAud, "Bearer error=\"invalid_token\"");
    assertThat(noAud.header("WWW-Authenticate")).contains("no aud claim");

    HttpResult otherIss = get(port, "/api", tokens.sign(good.copy().put("aud", "orders-api").put("iss", "https://evil")));
    assertUnauthorized(otherIss, "Bearer error=\"invalid_token\"");
    assertThat(otherIss.header("WWW-Authenticate")).contains("issuer");
    JsonObject noIss = good.copy().put("aud", "orders-api");
    noIss.remove("iss");
    assertThat(get(port, "/api", tokens.sign(noIss)).header("WWW-Authenticate")).contains("no iss claim");
  }

  @Test
  void aTokenWithAnUnknownCriticalHeaderParameterIsRefused() {
    int port = deployHs256();
    TestTokens tokens = TestTokens.hs256(vertx, SECRET);
    JsonObject claims = new JsonObject().put("sub", "a").put("exp", TestTokens.nowSecs() + 3600);

    assertThat(get(port, "/api", tokens.sign(claims, new JsonObject().put("kid", "k1"))).status()).isEqualTo(200);
    HttpResult crit = get(port, "/api", tokens.sign(claims,
        new JsonObject().put("crit", new JsonArray().add("exp-ext")).put("exp-ext", 1)));
    assertUnauthorized(crit, "Bearer error=\"invalid_token\"");
    assertThat(crit.header("WWW-Authenticate")).contains("crit");
  }

  @Test
  void aSubjectThatCannotTravelAsAHeaderValueIsRefused() {
    int port = deployHs256();
    TestTokens tokens = TestTokens.hs256(vertx, SECRET);

    assertUnauthorized(get(port, "/api", tokens.forSubject("jos\u00e9")), "Bearer error=\"invalid_token\"");
    assertUnauthorized(get(port, "/api", tokens.forSubject("a\r\nX-Admin: yes")), "Bearer error=\"invalid_token\"");
    HttpResult noSubject = get(port, "/api", tokens.sign(new JsonObject().put("exp", TestTokens.nowSecs() + 60)),
        "X-Auth-Subject", "admin");
    assertThat(noSubject.status()).isEqualTo(200);
    assertThat(noSubject.json().getJsonObject("headers").containsKey("x-auth-subject")).isFalse();
  }

  @Test
  void moreThanOneAuthorizationHeaderIsRefused() {
    int port = deployHs256();
    String token = TestTokens.hs256(vertx, SECRET).forSubject("alice");

    HttpResult r = get(port, "/api", token, "Authorization", "Bearer " + token);

    assertUnauthorized(r, "Bearer error=\"invalid_request\"");
  }

  @Test
  void excludedPathsMatchExactlyOrAsSlashStarPrefixesAndStillLoseAClientSentSubject() {
    int port = deployHs256();

    HttpResult health = get(port, "/health", null, "X-Auth-Subject", "admin");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().getJsonObject("headers").containsKey("x-auth-subject")).isFalse();

    assertThat(get(port, "/auth/open", null).status()).isEqualTo(200);
    assertThat(get(port, "/auth/open/", null).status()).isEqualTo(200);
    assertThat(get(port, "/auth/open/deep/file.json?q=1", null).status()).isEqualTo(200);
    assertUnauthorized(get(port, "/health/x", null), "Bearer");
    assertUnauthorized(get(port, "/auth/openX", null), "Bearer");
    assertUnauthorized(get(port, "/auth/open/..;/secret", null), "Bearer");

    // Dot segments never reach a middleware (or an upstream): the proxy refuses them first, token or not.
    String token = TestTokens.hs256(vertx, SECRET).forSubject("alice");
    for (String dotted : new String[] {"/auth/open/../secret", "/auth/open/%2e%2e/secret"}) {
      assertThat(get(port, dotted, null).status()).isEqualTo(400);
      assertThat(get(port, dotted, token).header("X-Locci-Reason")).isEqualTo("bad_request");
    }
  }

  @Test
  void rs256WithAPublicKeyFileRefusesHmacTokensMadeFromThatKey(@TempDir Path dir) throws Exception {
    TestTokens rsa = TestTokens.rs256(vertx);
    Path key = rsa.writePublicKey(dir);
    int port = deploy("public_key_path: \"" + key + "\"");

    HttpResult ok = get(port, "/api", rsa.forSubject("bob"));
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(ok.json().getJsonObject("headers").getJsonArray("x-auth-subject").getList()).containsExactly("bob");

    // The algorithm-confusion attack: HS256 keyed with the public key's PEM text.
    String forged = TestTokens.hs256(vertx, Files.readString(key)).forSubject("mallory");
    assertUnauthorized(get(port, "/api", forged), "Bearer error=\"invalid_token\"");
    assertUnauthorized(get(port, "/api", TestTokens.rs256(vertx).forSubject("bob")), "Bearer error=\"invalid_token\"");
  }

  @Test
  void es256WithAnEcPublicKeyFile(@TempDir Path dir) throws Exception {
    TestTokens ec = TestTokens.es256(vertx);
    int port = deploy("public_key_path: \"" + ec.writePublicKey(dir) + "\"");

    HttpResult ok = get(port, "/api", ec.forSubject("carol"));
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(ok.json().getJsonObject("headers").getJsonArray("x-auth-subject").getList()).containsExactly("carol");

    String good = ec.forSubject("carol");
    assertUnauthorized(get(port, "/api", TestTokens.tamper(good, new JsonObject().put("sub", "admin"))),
        "Bearer error=\"invalid_token\"");
  }
}
