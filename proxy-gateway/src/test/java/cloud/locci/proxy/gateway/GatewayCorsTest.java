package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@code cors} middleware through a real gateway, in front of an upstream that counts its requests. */
@ExtendWith(VertxExtension.class)
class GatewayCorsTest {

  private static final String APP = "https://app.example.com";
  private static final String SECRET = "cors-test-secret-cors-test-secret";

  private Vertx vertx;
  private HttpServer upstream;
  private final AtomicInteger upstreamRequests = new AtomicInteger();
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    upstream = vertx.createHttpServer()
        .requestHandler(req -> {
          upstreamRequests.incrementAndGet();
          req.response().putHeader("Vary", "Accept-Encoding").putHeader("X-Request-Id", "r-1").end("ok");
        })
        .listen(0, "127.0.0.1").await();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private int deploy(String cors) {
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["127.0.0.1:PORT"]
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              methods: [GET, POST, PUT]
              upstream: app
              middlewares: [cors, auth]
          middlewares:
            cors:
        CORS
            auth:
              type: authentication
              jwt_secret: "SECRET"
        control_api:
          enabled: false
        """.replace("PORT", Integer.toString(upstream.actualPort()))
        .replace("CORS", cors.indent(6).stripTrailing())
        .replace("SECRET", SECRET);
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 1).await().port();
  }

  private int deployStrict() {
    return deploy("""
        allowed_origins: ["https://app.example.com"]
        allowed_methods: [GET, POST, PUT]
        allowed_headers: [Authorization, Content-Type]
        allow_credentials: true
        max_age_secs: 600
        expose_headers: [X-Request-Id]
        """);
  }

  private HttpResult send(int port, HttpMethod method, String uri, String... headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) {
      options.addHeader(headers[i], headers[i + 1]);
    }
    return HttpResult.send(client, options, null);
  }

  @Test
  void anAllowedPreflightIsAnsweredByTheProxyEvenOnARouteThatDoesNotListOptions() {
    int port = deployStrict();

    HttpResult r = send(port, HttpMethod.OPTIONS, "/api/orders", "Origin", APP,
        "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "authorization, content-type");

    assertThat(r.status()).as(r.toString()).isEqualTo(204);
    assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(APP);
    assertThat(r.header("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(r.header("Access-Control-Allow-Methods")).isEqualTo("GET, POST, PUT");
    assertThat(r.header("Access-Control-Allow-Headers")).isEqualTo("Authorization, Content-Type");
    assertThat(r.header("Access-Control-Max-Age")).isEqualTo("600");
    assertThat(r.header("Vary")).contains("Origin", "Access-Control-Request-Method");
    assertThat(upstreamRequests.get()).as("the upstream never sees a preflight").isZero();
  }

  @Test
  void aRefusedPreflightIs204WithoutCorsHeadersAndNeverReachesTheUpstream() {
    int port = deployStrict();

    HttpResult otherOrigin = send(port, HttpMethod.OPTIONS, "/api", "Origin", "https://evil.example",
        "Access-Control-Request-Method", "GET");
    HttpResult otherHeader = send(port, HttpMethod.OPTIONS, "/api", "Origin", APP,
        "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-secret");

    for (HttpResult r : new HttpResult[] {otherOrigin, otherHeader}) {
      assertThat(r.status()).as(r.toString()).isEqualTo(204);
      assertThat(r.header("Access-Control-Allow-Origin")).isNull();
      assertThat(r.header("Access-Control-Allow-Methods")).isNull();
    }
    // A preflight is routed as the request it announces: no route serves DELETE here.
    HttpResult delete = send(port, HttpMethod.OPTIONS, "/api", "Origin", APP, "Access-Control-Request-Method", "DELETE");
    assertThat(delete.status()).isEqualTo(405);
    assertThat(delete.header("Allow").split(", ")).containsExactlyInAnyOrder("GET", "POST", "PUT", "HEAD");
    assertThat(upstreamRequests.get()).isZero();
  }

  @Test
  void anActualRequestFromAnAllowedOriginGetsTheHeadersAndTheUpstreamVaryIsKept() {
    int port = deployStrict();
    String token = TestTokens.hs256(vertx, SECRET).forSubject("alice");

    HttpResult r = send(port, HttpMethod.GET, "/api/orders", "Origin", APP, "Authorization", "Bearer " + token);

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(APP);
    assertThat(r.header("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(r.header("Access-Control-Expose-Headers")).isEqualTo("X-Request-Id");
    assertThat(r.headers().getAll("Vary")).containsExactly("Accept-Encoding, Origin");
    assertThat(upstreamRequests.get()).isEqualTo(1);
  }

  @Test
  void theProxysOwnErrorsCarryTheCorsHeadersSoThePageCanReadThem() {
    int port = deployStrict();

    HttpResult r = send(port, HttpMethod.GET, "/api/orders", "Origin", APP);

    assertThat(r.status()).isEqualTo(401);
    assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(APP);
    assertThat(r.header("Vary")).isEqualTo("Origin");
  }

  @Test
  void anotherOriginGetsNoCorsHeadersButTheAnswerStillVariesByOrigin() {
    int port = deployStrict();
    String token = TestTokens.hs256(vertx, SECRET).forSubject("alice");

    HttpResult r = send(port, HttpMethod.GET, "/api", "Origin", "https://evil.example",
        "Authorization", "Bearer " + token);
    HttpResult sameOrigin = send(port, HttpMethod.GET, "/api", "Authorization", "Bearer " + token);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Access-Control-Allow-Origin")).isNull();
    assertThat(r.header("Vary")).isEqualTo("Accept-Encoding, Origin");
    assertThat(sameOrigin.header("Vary")).isEqualTo("Accept-Encoding, Origin");
  }

  @Test
  void anyOriginWithoutCredentialsIsAStarAndAnyHeaderIsEchoed() {
    int port = deploy("""
        allowed_origins: ["*"]
        allowed_headers: ["*"]
        """);
    String token = TestTokens.hs256(vertx, SECRET).forSubject("alice");

    HttpResult preflight = send(port, HttpMethod.OPTIONS, "/api", "Origin", "https://anywhere.example",
        "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-one, x-two");
    HttpResult actual = send(port, HttpMethod.GET, "/api", "Origin", "https://anywhere.example",
        "Authorization", "Bearer " + token);

    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("*");
    assertThat(preflight.header("Access-Control-Allow-Headers")).isEqualTo("x-one, x-two");
    assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();
    assertThat(actual.header("Access-Control-Allow-Origin")).isEqualTo("*");
    assertThat(actual.header("Vary")).isEqualTo("Accept-Encoding");
    assertThat(upstreamRequests.get()).isEqualTo(1);
  }
}
