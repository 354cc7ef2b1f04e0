package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code rate_limiting} middleware through a real gateway. One token a minute, so nothing refills
 * while a test runs and every count is exact.
 */
@ExtendWith(VertxExtension.class)
class GatewayRateLimitTest {

  private Vertx vertx;
  private EchoUpstream upstream;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    upstream = EchoUpstream.start(vertx, "echo").await();
    // No keep-alive: each request is a new connection, so requests spread over every proxy instance.
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private String yaml(String limitSettings, String extraRoute) {
    return """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["ECHO"]
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: app
              middlewares: [limit]
        EXTRA
          middlewares:
            limit:
              type: rate_limiting
              requests_per_minute: 1
        LIMIT
        control_api:
          enabled: false
        """.replace("ECHO", upstream.address())
        .replace("EXTRA", extraRoute.indent(4).stripTrailing())
        .replace("LIMIT", limitSettings.indent(6).stripTrailing());
  }

  private ProxyDeployment deploy(String yaml, int instances) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, instances).await();
  }

  private HttpResult get(int port, String uri, String apiKey) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri);
    if (apiKey != null) {
      options.addHeader("X-API-Key", apiKey);
    }
    return HttpResult.send(client, options, null);
  }

  @Test
  void eachKeyGetsItsBurstThen429WithRetryAfterAndTheOtherKeyIsUnaffected() {
    int port = deploy(yaml("burst_size: 3\nkey_header: X-API-Key", ""), 1).port();

    for (int i = 2; i >= 0; i--) {
      HttpResult ok = get(port, "/api/a", "key-a");
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.header("X-Upstream-Id")).isEqualTo("echo");
      assertThat(ok.header("X-RateLimit-Limit")).isEqualTo("3");
      assertThat(ok.header("X-RateLimit-Remaining")).isEqualTo(Integer.toString(i));
    }
    HttpResult limited = get(port, "/api/a", "key-a");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("X-Locci-Reason")).isEqualTo("rate_limited");
    assertThat(limited.json().getString("reason")).isEqualTo("rate_limited");
    assertThat(limited.header("X-RateLimit-Limit")).isEqualTo("3");
    assertThat(limited.header("X-RateLimit-Remaining")).isEqualTo("0");
    // One token a minute: the next one is about 60 s away, rounded up to whole seconds.
    assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(50, 60);

    for (int i = 2; i >= 0; i--) {
      HttpResult other = get(port, "/api/b", "key-b");
      assertThat(other.status()).isEqualTo(200);
      assertThat(other.header("X-RateLimit-Remaining")).isEqualTo(Integer.toString(i));
    }
    assertThat(get(port, "/api/b", "key-b").status()).isEqualTo(429);
    assertThat(get(port, "/api/a", "key-a").status()).isEqualTo(429);
  }

  @Test
  void jwtSubGivesEachVerifiedSubjectItsBucketAndAnonymousRequestsTheAddresses() {
    String secret = "rate-limit-test-secret-0123456789abcdef";
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["ECHO"]
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: app
              middlewares: [auth, limit]
          middlewares:
            auth: {type: authentication, jwt_secret: "SECRET", excluded_paths: ["/api/open"]}
            limit: {type: rate_limiting, requests_per_minute: 1, burst_size: 2, key: jwt_sub}
        control_api:
          enabled: false
        """.replace("ECHO", upstream.address()).replace("SECRET", secret);
    int port = deploy(yaml, 1).port();
    TestTokens tokens = TestTokens.hs256(vertx, secret);
    String alice = tokens.forSubject("alice");
    String aliceAgain = tokens.forSubject("alice");
    String bob = tokens.forSubject("bob");

    assertThat(bearer(port, "/api/x", alice).status()).isEqualTo(200);
    assertThat(bearer(port, "/api/x", aliceAgain).status()).as("another token, same subject").isEqualTo(200);
    assertThat(bearer(port, "/api/x", alice).status()).isEqualTo(429);
    assertThat(bearer(port, "/api/x", bob).status()).as("bob has his own bucket").isEqualTo(200);
    // Excluded paths carry no verified subject: counted by address, apart from alice and bob.
    assertThat(get(port, "/api/open", null).status()).isEqualTo(200);
    assertThat(get(port, "/api/open", null).status()).isEqualTo(200);
    assertThat(get(port, "/api/open", null).status()).isEqualTo(429);
  }

  private HttpResult bearer(int port, String uri, String token) {
    return HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri).addHeader("Authorization", "Bearer " + token), null);
  }

  @Test
  void withoutTheKeyHeaderTheClientAddressIsTheKey() {
    int port = deploy(yaml("burst_size: 2\nkey_header: X-API-Key", ""), 1).port();

    assertThat(get(port, "/api", null).status()).isEqualTo(200);
    assertThat(get(port, "/api", null).status()).isEqualTo(200);
    assertThat(get(port, "/api", null).status()).isEqualTo(429);
    assertThat(get(port, "/api", "key-a").status()).as("a header key has its own bucket").isEqualTo(200);
  }

  @Test
  void oneBucketPerKeyForTheWholeProcessWhateverTheInstanceCount() {
    int port = deploy(yaml("burst_size: 4", ""), 3).port();

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      statuses.add(get(port, "/api", null).status());
    }

    assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(4);
    assertThat(statuses.subList(4, 12)).containsOnly(429);
  }

  @Test
  void bucketsSurviveAReloadWithEqualSettingsAndResetWhenTheSettingsChange() {
    // One instance: once it serves the new route, every later request sees the new version.
    ProxyDeployment proxy = deploy(yaml("burst_size: 2", ""), 1);
    int port = proxy.port();
    get(port, "/api", null);
    get(port, "/api", null);
    assertThat(get(port, "/api", null).status()).isEqualTo(429);

    // Same middleware settings, one more route: the exhausted bucket is still exhausted.
    apply(proxy, yaml("burst_size: 2", route("v2")));
    assertThat(awaitRoute(port, "/v2")).isEqualTo(429);
    assertThat(get(port, "/api", null).status()).isEqualTo(429);

    // A bigger burst is another middleware: fresh, full buckets.
    apply(proxy, yaml("burst_size: 3", route("v3")));
    assertThat(awaitRoute(port, "/v3")).isEqualTo(200);
    HttpResult fresh = get(port, "/api", null);
    assertThat(fresh.status()).isEqualTo(200);
    assertThat(fresh.header("X-RateLimit-Limit")).isEqualTo("3");
    assertThat(fresh.header("X-RateLimit-Remaining")).isEqualTo("1");
  }

  private static String route(String name) {
    return """
        %s:
          path_pattern: "^/%s"
          upstream: app
          middlewares: [limit]
        """.formatted(name, name);
  }

  private static void apply(ProxyDeployment proxy, String yaml) {
    ProxyConfig next = ProxyDeployment.parse(yaml);
    proxy.apply(next).await();
  }

  /**
   * Polls {@code path}, a route only the new version has, until the proxy serves it (no event says when
   * a proxy instance has installed a version); returns the first status that is not 404.
   * Requests that get 404 never reach the rate limiter, so polling takes no tokens.
   */
  private int awaitRoute(int port, String path) {
    for (int i = 0; i < 500; i++) {
      int status = get(port, path, null).status();
      if (status != 404) {
        return status;
      }
    }
    throw new AssertionError(path + " still 404 after 500 tries: the new config version never arrived");
  }
}
