package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code load_balancer.middlewares}: one chain, in the listed order, for every request. */
@ExtendWith(VertxExtension.class)
class LoadBalancerMiddlewareTest {

  private static final String SECRET = "lb-test-secret-lb-test-secret-lb";

  private Vertx vertx;
  private EchoUpstream upstream;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    upstream = EchoUpstream.start(vertx, "server-1").await();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private int deploy() {
    String yaml = """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["ECHO"]
        load_balancer:
          upstream: app
          middlewares: [cors, limit, auth]
        middlewares:
          limit:
            type: rate_limiting
            requests_per_minute: 1
            burst_size: 3
          auth:
            type: authentication
            jwt_secret: "SECRET"
            excluded_paths: ["/public/*"]
          cors:
            allowed_origins: ["https://app.example.com"]
        control_api:
          enabled: false
        """.replace("ECHO", upstream.address()).replace("SECRET", SECRET);
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 2).await().port();
  }

  private HttpResult send(int port, HttpMethod method, String uri, String... headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) {
      options.addHeader(headers[i], headers[i + 1]);
    }
    return HttpResult.send(client, options, null);
  }

  @Test
  void everyRequestRunsTheChainInTheListedOrder() {
    int port = deploy();
    String token = TestTokens.hs256(vertx, SECRET).forSubject("alice");

    // cors answers the preflight before the limiter or the authenticator see it.
    HttpResult preflight = send(port, HttpMethod.OPTIONS, "/x", "Origin", "https://app.example.com",
        "Access-Control-Request-Method", "GET");
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("X-RateLimit-Limit")).isNull();

    HttpResult ok = send(port, HttpMethod.GET, "/orders", "Authorization", "Bearer " + token,
        "X-Auth-Subject", "admin");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(ok.json().getJsonObject("headers").getJsonArray("x-auth-subject").getList()).containsExactly("alice");
    assertThat(ok.header("X-RateLimit-Remaining")).isEqualTo("2");

    // The limiter ran before the authenticator: the 401 counts and carries the limit headers.
    HttpResult denied = send(port, HttpMethod.GET, "/orders", "Origin", "https://app.example.com");
    assertThat(denied.status()).isEqualTo(401);
    assertThat(denied.header("X-RateLimit-Remaining")).isEqualTo("1");
    assertThat(denied.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");

    HttpResult open = send(port, HttpMethod.GET, "/public/index.html");
    assertThat(open.status()).isEqualTo(200);
    assertThat(open.header("X-RateLimit-Remaining")).isEqualTo("0");

    HttpResult limited = send(port, HttpMethod.GET, "/orders", "Authorization", "Bearer " + token);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("X-Locci-Reason")).isEqualTo("rate_limited");
    assertThat(limited.header("Retry-After")).isNotNull();
  }
}
