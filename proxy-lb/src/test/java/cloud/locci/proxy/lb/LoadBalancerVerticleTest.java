package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class LoadBalancerVerticleTest {

  private Vertx vertx;
  private final List<EchoUpstream> upstreams = new ArrayList<>();
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    for (int i = 1; i <= 3; i++) {
      upstreams.add(EchoUpstream.start(vertx, "server-" + i).await());
    }
    // No keep-alive: each request is a new connection, so requests spread over every proxy instance.
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private String lbConfig(String... servers) {
    StringBuilder list = new StringBuilder();
    for (String s : servers) {
      list.append("      - \"").append(s).append("\"\n");
    }
    return """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers:
        %s
        load_balancer:
          upstream: app
        control_api:
          enabled: false
        """.formatted(list.toString().stripTrailing());
  }

  private ProxyDeployment deploy(String yaml, int instances) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, instances).await();
  }

  private JsonObject getJson(int port, String uri) {
    return HttpResult.get(client, port, uri).json();
  }

  @Test
  void nineRequestsCycleThroughThreeServersAcrossInstances() {
    ProxyDeployment proxy = deploy(lbConfig(upstreams.get(0).address(), upstreams.get(1).address(),
        upstreams.get(2).address()), 2);
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      seen.add(getJson(proxy.port(), "/instance").getString("id"));
    }
    assertThat(seen).containsExactly("server-1", "server-2", "server-3", "server-1", "server-2", "server-3",
        "server-1", "server-2", "server-3");
  }

  @Test
  void methodPathQueryHeadersAndOneMegabyteBodyArriveIntact() throws Exception {
    ProxyDeployment proxy = deploy(lbConfig(upstreams.get(0).address()), 1);
    byte[] body = new byte[1024 * 1024];
    new Random(42).nextBytes(body);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));

    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.PUT)
        .setPort(proxy.port())
        .setHost("127.0.0.1")
        .setURI("/some/path%20x?b=2&a=one&a=two")
        .addHeader("X-Custom", "first")
        .addHeader("X-Custom", "second")
        .addHeader("Content-Type", "application/octet-stream");
    // The body is read in a callback nested in the request's (see HttpResult: else it can be lost).
    JsonObject echo = client.request(options)
        .compose(req -> req.send(Buffer.buffer(body)).compose(r -> {
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.getHeader("X-Upstream-Id")).isEqualTo("server-1");
          return r.body();
        }))
        .await()
        .toJsonObject();

    assertThat(echo.getString("method")).isEqualTo("PUT");
    assertThat(echo.getString("uri")).isEqualTo("/some/path%20x?b=2&a=one&a=two");
    assertThat(echo.getLong("bodyLength")).isEqualTo(body.length);
    assertThat(echo.getString("bodySha256")).isEqualTo(sha);
    JsonObject headers = echo.getJsonObject("headers");
    assertThat(headers.getJsonArray("x-custom").getList()).containsExactly("first", "second");
    assertThat(headers.getJsonArray("content-type").getList()).containsExactly("application/octet-stream");
    assertThat(headers.getJsonArray("host").getList()).containsExactly("127.0.0.1:" + proxy.port());
    assertThat(headers.getJsonArray("x-forwarded-for").getList()).containsExactly("127.0.0.1");
    assertThat(headers.getJsonArray("x-forwarded-proto").getList()).containsExactly("http");
  }

  @Test
  void chunkedUploadIsStreamedToTheUpstream() {
    ProxyDeployment proxy = deploy(lbConfig(upstreams.get(0).address()), 1);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setPort(proxy.port())
        .setHost("127.0.0.1").setURI("/upload");
    JsonObject echo = client.request(options).compose(req -> {
      req.setChunked(true);
      for (int i = 0; i < 10; i++) {
        req.write(Buffer.buffer(new byte[10_000]));
      }
      req.end();
      return req.response().compose(HttpClientResponse::body);
    }).await().toJsonObject();
    assertThat(echo.getLong("bodyLength")).isEqualTo(100_000);
    assertThat(echo.getJsonObject("headers").getJsonArray("transfer-encoding").getList()).containsExactly("chunked");
  }

  @Test
  void closedUpstreamPortGives502WithJsonReason() {
    EchoUpstream gone = upstreams.get(2);
    String address = gone.address();
    gone.close().await();
    ProxyDeployment proxy = deploy(lbConfig(address), 1);

    HttpResult response = HttpResult.get(client, proxy.port(), "/anything");
    JsonObject body = response.json();

    assertThat(response.status()).isEqualTo(502);
    assertThat(response.header("X-Locci-Reason")).isEqualTo("upstream_refused");
    assertThat(response.header("Content-Type")).isEqualTo("application/json");
    assertThat(body.getInteger("status")).isEqualTo(502);
    assertThat(body.getString("reason")).isEqualTo("upstream_refused");
    assertThat(body.getString("error")).contains(address);
  }

  @Test
  void newConfigVersionIsPublishedAndServedByEveryInstance() {
    ProxyDeployment proxy = deploy(lbConfig(upstreams.get(0).address()), 2);
    Promise<VersionedConfig> published = Promise.promise();
    vertx.eventBus().<VersionedConfig>consumer(Addresses.CONFIG_CHANGED, m -> published.tryComplete(m.body()))
        .completion().await();

    ProxyConfig next = ProxyDeployment.parse(lbConfig(upstreams.get(1).address()));
    VersionedConfig applied = proxy.configVerticle().apply(next, "test").await();

    assertThat(applied.version()).isEqualTo(2);
    assertThat(published.future().await().version()).isEqualTo(2);
    // Each new connection may land on either instance; both must serve the new upstream.
    for (int i = 0; i < 4; i++) {
      assertThat(getJson(proxy.port(), "/instance").getString("id")).isEqualTo("server-2");
    }
  }

  @Test
  void invalidCandidateConfigIsRefusedAndTheRunningOneStays() {
    ProxyDeployment proxy = deploy(lbConfig(upstreams.get(0).address()), 1);
    ProxyConfig current = proxy.configVerticle().current().config();
    ProxyConfig broken = current.withUpstreams(java.util.Map.of());

    Throwable refused = proxy.configVerticle().apply(broken, "test")
        .map(v -> (Throwable) null)
        .otherwise(err -> err)
        .await();

    assertThat(refused).isInstanceOf(ConfigException.class)
        .hasMessageContaining("load_balancer.upstream: unknown upstream \"app\"");
    assertThat(proxy.configVerticle().current().version()).isEqualTo(1);
    assertThat(getJson(proxy.port(), "/x").getString("id")).isEqualTo("server-1");
  }
}
