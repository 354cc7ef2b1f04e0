package cloud.locci.proxy.control;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.ConfigVerticle;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SPEC §15 "Control API": what keeps web pages, rebinding names and key guessers from driving it. */
@ExtendWith(VertxExtension.class)
class ControlApiSecurityTest {

  private static final String KEY = "control-api-security-test-key-0123456789";

  private Vertx vertx;
  private HttpClient client;
  private int port;

  private void start(Vertx vertx, String controlApi, String server) {
    this.vertx = vertx;
    String yaml = """
        mode: api_gateway
        server:
        SERVER
        upstreams:
          app: {servers: ["127.0.0.1:3001"]}
        api_gateway:
          routes:
            all: {path_pattern: "^/", upstream: app}
        control_api:
        """.replace("SERVER", server.indent(2).stripTrailing()) + controlApi.indent(2);
    vertx.deployVerticle(new ConfigVerticle(ProxyDeployment.parse(yaml), Optional.empty(), ConfigOverrides.none()))
        .await();
    ControlApiVerticle control = new ControlApiVerticle(1, ProxyMetrics.create());
    vertx.deployVerticle(control).await();
    port = control.actualPort();
    client = vertx.createHttpClient();
  }

  private void start(Vertx vertx, String controlApi) {
    start(vertx, controlApi, "header_timeout_secs: 1\nidle_timeout_secs: 30");
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close().await();
    }
  }

  private HttpResult send(HttpMethod method, String uri, JsonObject body, String... headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) {
      options.addHeader(headers[i], headers[i + 1]);
    }
    return HttpResult.send(client, options, body == null ? null : body.toBuffer());
  }

  /** One request with exactly this Host header (or none), over a raw socket. */
  private RawClient.Exchange withHost(String host) {
    String head = "GET /api/v1/status HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n")
        + "Connection: close\r\n\r\n";
    return RawClient.sendAndAwaitClose(vertx, port, head, 10_000).await();
  }

  private static JsonObject route(String name) {
    return new JsonObject().put("name", name).put("path_pattern", "^/" + name).put("upstream", "app");
  }

  private long version() {
    return send(HttpMethod.GET, "/api/v1/status", null).json().getLong("config_version");
  }

  @Test
  void writesWithoutJsonContentTypeAre415AndChangeNothing(Vertx vertx) {
    start(vertx, "bind_address: \"127.0.0.1:0\"");
    for (String type : new String[] {null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}) {
      HttpResult r = type == null ? send(HttpMethod.POST, "/api/v1/routes", route("web"))
          : send(HttpMethod.POST, "/api/v1/routes", route("web"), "Content-Type", type);
      assertThat(r.status()).as(type + ": " + r).isEqualTo(415);
      assertThat(r.json().getString("error")).contains("Content-Type: application/json");
    }
    assertThat(send(HttpMethod.POST, "/api/v1/reload", null).status()).isEqualTo(415);
    assertThat(send(HttpMethod.DELETE, "/api/v1/routes/all", null, "Content-Type", "text/plain").status())
        .isEqualTo(415);
    assertThat(version()).isEqualTo(1);

    HttpResult ok = send(HttpMethod.POST, "/api/v1/routes", route("web"), "Content-Type",
        "Application/JSON; charset=utf-8");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
    assertThat(send(HttpMethod.GET, "/api/v1/routes", null).status()).as("reads need no content type").isEqualTo(200);
  }

  @Test
  void aForeignOriginIs403AndTheListenersOwnOrAnAllowedOneIsServed(Vertx vertx) {
    start(vertx, "bind_address: \"127.0.0.1:0\"\nallowed_origins: [\"https://admin.example.com\"]");
    for (String origin : List.of("https://evil.example", "null", "http://127.0.0.1:1", "http://localhost:" + port)) {
      HttpResult r = send(HttpMethod.POST, "/api/v1/routes", route("web"), "Content-Type", "application/json",
          "Origin", origin);
      assertThat(r.status()).as(origin + ": " + r).isEqualTo(403);
      assertThat(send(HttpMethod.GET, "/api/v1/config", null, "Origin", origin).status()).isEqualTo(403);
    }
    assertThat(version()).isEqualTo(1);
    assertThat(send(HttpMethod.GET, "/api/v1/status", null, "Origin", "http://127.0.0.1:" + port).status())
        .as("the listener's own origin").isEqualTo(200);
    assertThat(send(HttpMethod.GET, "/api/v1/status", null, "Origin", "https://ADMIN.example.com").status())
        .as("an allowed origin, case aside").isEqualTo(200);
  }

  @Test
  void aHostThatIsNotTheBindAddressALoopbackNameOrAllowedIs421(Vertx vertx) {
    start(vertx, "bind_address: \"127.0.0.1:0\"\nallowed_hosts: [\"proxy-admin.internal\"]");
    assertThat(withHost(null).status()).as("no Host at all: Vert.x refuses the HTTP/1.1 request").isEqualTo(400);
    for (String host : new String[] {"evil.example", "evil.example:" + port, "127.0.0.2", "10.0.0.1", ""}) {
      RawClient.Exchange r = withHost(host);
      assertThat(r.status()).as(host + ": " + r.received()).isEqualTo(421);
      assertThat(r.received()).contains("\"status\":421");
    }
    for (String host : List.of("127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LOCALHOST.", "[::1]:" + port,
        "proxy-admin.internal", "Proxy-Admin.Internal:8485")) {
      assertThat(withHost(host).status()).as(host).isEqualTo(200);
    }
  }

  @Test
  void boundToTheWildcardTheMachinesOwnAddressesCountAsTheBindAddress(Vertx vertx) throws Exception {
    List<String> own = new ArrayList<>();
    for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
      for (InetAddress a : ni.inetAddresses().toList()) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          own.add(a.getHostAddress());
        }
      }
    }
    Assumptions.assumeFalse(own.isEmpty(), "this machine has no non-loopback IPv4 address");
    start(vertx, "bind_address: \"0.0.0.0:0\"\napi_key: \"" + KEY + "\"");
    String request = "GET /api/v1/status HTTP/1.1\r\nHost: " + own.get(0) + ":" + port
        + "\r\nAuthorization: Bearer " + KEY + "\r\nConnection: close\r\n\r\n";
    assertThat(RawClient.sendAndAwaitClose(vertx, port, request, 10_000).await().status()).isEqualTo(200);
    assertThat(withHost("evil.example").status()).isEqualTo(421);
  }

  @Test
  void aHeadNotFinishedWithinTheProxysHeaderTimeoutIs408(Vertx vertx) {
    start(vertx, "bind_address: \"127.0.0.1:0\"");
    RawClient.Exchange slow = RawClient.sendAndAwaitClose(vertx, port,
        "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 10_000).await();
    assertThat(slow.status()).as(slow.received()).isEqualTo(408);
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterTheProxysIdleTimeout(Vertx vertx) {
    start(vertx, "bind_address: \"127.0.0.1:0\"", "idle_timeout_secs: 1");
    // Keep-alive: the server answers and then must close the connection on its own.
    RawClient.Exchange idle = RawClient.sendAndAwaitClose(vertx, port,
        "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 10_000).await();
    assertThat(idle.status()).isEqualTo(200);
  }

  @Test
  void aRoutePatternTooComplexToCompileIsAQuick400(Vertx vertx) {
    start(vertx, "bind_address: \"127.0.0.1:0\"");
    HttpResult r = send(HttpMethod.POST, "/api/v1/routes", route("evil").put("path_pattern", "((a{1000}){1000}){1000}"),
        "Content-Type", "application/json");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().getJsonArray("errors").encode()).contains("evil.path_pattern: pattern too complex");
    assertThat(version()).isEqualTo(1);
    assertThat(send(HttpMethod.GET, "/api/v1/status", null).status()).as("the API still answers").isEqualTo(200);
  }

  @Test
  void a500NeverShowsTheExceptionMessage(Vertx vertx) {
    start(vertx, "bind_address: \"127.0.0.1:0\"");
    // The routing table fails inside: its message names a file and a secret, and must stay in the log.
    LocalCodec.register(vertx, ExplainQuery.class);
    vertx.eventBus().<ExplainQuery>consumer(Addresses.ROUTES_EXPLAIN,
        m -> m.fail(500, "java.lang.IllegalStateException: cannot read /etc/locci/secret-file with key hunter2"))
        .completion().await();
    HttpResult r = send(HttpMethod.GET, "/api/v1/explain?path=/x", null);
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.body().toString()).doesNotContain("hunter2").doesNotContain("/etc/locci").doesNotContain("Exception");
    assertThat(r.json().getString("error")).contains("see the proxy's log");
  }

  @Test
  void failedKeyChecksFromOneAddressAreSlowedToTenASecond(Vertx vertx) {
    start(vertx, "bind_address: \"127.0.0.1:0\"\napi_key: \"" + KEY + "\"");
    int n = 25;
    long start = System.nanoTime();
    List<Future<HttpResult>> answers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      answers.add(HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(port)
          .setURI("/api/v1/status").addHeader("Authorization", "Bearer wrong-" + i), (Buffer) null));
    }
    Future.all(answers).await();
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(answers).allSatisfy(f -> assertThat(f.result().status()).isEqualTo(401));
    // A burst of 10, then one check every 100 ms: the 25th cannot be answered before 1.5 s.
    assertThat(elapsedMs).as("25 failed checks from one address").isGreaterThanOrEqualTo(1400);
  }
}
