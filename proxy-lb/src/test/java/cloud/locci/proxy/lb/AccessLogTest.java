package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cloud.locci.proxy.core.log.AccessLog;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

@ExtendWith(VertxExtension.class)
class AccessLogTest {

  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Logger access;

  @BeforeEach
  void capture() {
    access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    lines.start();
    access.addAppender(lines);
  }

  @AfterEach
  void release() {
    access.detachAppender(lines);
  }

  private static Map<String, Object> fields(ILoggingEvent e) {
    Map<String, Object> out = new HashMap<>();
    for (KeyValuePair kv : e.getKeyValuePairs()) {
      out.put(kv.key, kv.value);
    }
    return out;
  }

  @Test
  void oneCombinedLinePerRequestWithRouteUpstreamAndTimes(Vertx vertx) {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          app: { servers: ["%s"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(echo.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1, new AccessLog()).await().port();
    HttpClient client = vertx.createHttpClient();
    HttpResult r = HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(port).setURI("/a/b?c=1").putHeader("User-Agent", "agent/1.0").putHeader("Referer", "http://x/"), null);
    assertThat(r.status()).isEqualTo(200);
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), "an access line", () -> !lines.list.isEmpty()).await();

    ILoggingEvent line = lines.list.get(0);
    assertThat(line.getFormattedMessage())
        .matches("127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}] "
            + "\"GET /a/b\\?c=1 HTTP/1\\.1\" 200 " + r.body().length() + " \"http://x/\" \"agent/1\\.0\" "
            + "route=- upstream=app server=" + echo.address().replace(".", "\\.")
            + " client_protocol=http1 upstream_protocol=http1"
            + " upstream_time=\\d+\\.\\d{3} request_time=\\d+\\.\\d{3} request_id=" + r.header("X-Request-Id")
            + " reason=- attempts=1");
    Map<String, Object> f = fields(line);
    assertThat(f).containsEntry("method", "GET").containsEntry("path", "/a/b").containsEntry("status", 200)
        .containsEntry("bytes", (long) r.body().length()).containsEntry("upstream", "app")
        .containsEntry("server", echo.address()).containsEntry("client", "127.0.0.1").containsEntry("reason", "")
        .containsEntry("attempts", 1).containsEntry("client_protocol", "http1")
        .containsEntry("upstream_protocol", "http1");
    assertThat(f.get("duration_ms")).isInstanceOf(Double.class);
    client.close().await();
  }

  @Test
  void requestIdsAreKeptOrReplacedAndReachUpstreamClientErrorBodyAndLogInLoadBalancerMode(Vertx vertx) {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          app: { servers: ["%s"] }
          dead: { servers: ["127.0.0.1:9"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(echo.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1, new AccessLog()).await().port();
    HttpClient client = vertx.createHttpClient();
    HttpResult kept = HttpResult.send(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/k")
        .putHeader("X-Request-Id", "client-id-1"), null);
    assertThat(kept.header("X-Request-Id")).isEqualTo("client-id-1");
    assertThat(kept.json().getJsonObject("headers").getJsonArray("x-request-id").getList()).containsExactly("client-id-1");
    HttpResult replaced = HttpResult.send(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/r")
        .putHeader("X-Request-Id", "x".repeat(201)), null);
    String fresh = replaced.header("X-Request-Id");
    assertThat(fresh).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(replaced.json().getJsonObject("headers").getJsonArray("x-request-id").getList()).containsExactly(fresh);
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), "two access lines", () -> lines.list.size() >= 2).await();
    assertThat(lines.list.get(0).getFormattedMessage()).contains(" request_id=client-id-1 reason=- attempts=1");
    assertThat(fields(lines.list.get(0))).containsEntry("request_id", "client-id-1");
    assertThat(fields(lines.list.get(1))).containsEntry("request_id", fresh);
    client.close().await();
  }

  @Test
  void proxyMadeErrorBodiesCarryTheRequestId(Vertx vertx) {
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          app: { servers: ["127.0.0.1:9"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """;
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
    HttpClient client = vertx.createHttpClient();
    HttpResult r = HttpResult.send(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/x")
        .putHeader("X-Request-Id", "err-7"), null);
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.header("X-Request-Id")).isEqualTo("err-7");
    assertThat(r.json().getString("request_id")).isEqualTo("err-7");
    client.close().await();
  }

  @Test
  void proxyMadeErrorsCarryTheirReasonWord(Vertx vertx) {
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          app: { servers: ["127.0.0.1:9"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """;
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1, new AccessLog()).await().port();
    HttpClient client = vertx.createHttpClient();
    assertThat(HttpResult.get(client, port, "/x").status()).isEqualTo(502);
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), "an access line", () -> !lines.list.isEmpty()).await();
    assertThat(lines.list.get(0).getFormattedMessage()).contains("\" 502 ", "reason=upstream_refused");
    assertThat(fields(lines.list.get(0))).containsEntry("reason", "upstream_refused").containsEntry("status", 502);
    client.close().await();
  }

  @Test
  void clientChosenValuesAreEscapedSoNoLineCanBeForged(Vertx vertx) {
    EchoUpstream echo = EchoUpstream.start(vertx, "e").await();
    String yaml = """
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          app: { servers: ["%s"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(echo.address());
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1, new AccessLog()).await().port();
    // What nginx's old escaping let through: a backslash before the quote that ends the field.
    String agent = "x\\\" 200 0 \"-\" \"forged\u00e9";
    cloud.locci.proxy.core.testing.RawClient.Exchange r = cloud.locci.proxy.core.testing.RawClient.sendAndAwaitClose(
        vertx, port, "GET /a HTTP/1.1\r\nHost: x\r\nUser-Agent: " + agent + "\r\nReferer: \"\\\r\n"
            + "Connection: close\r\n\r\n", 5_000).await();
    assertThat(r.status()).isEqualTo(200);
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), "an access line", () -> !lines.list.isEmpty()).await();
    String line = lines.list.get(0).getFormattedMessage();
    assertThat(line).contains("\"GET /a HTTP/1.1\" 200 ")
        .contains(" \"\\x22\\x5C\" \"x\\x5C\\x22 200 0 \\x22-\\x22 \\x22forged\\xC3\\xA9\" route=-"); // é sent as UTF-8: its two bytes
    // Exactly six quotes: the request, the referer and the user agent, each opened and closed once.
    assertThat(line.chars().filter(c -> c == '"').count()).isEqualTo(6);
  }
}
