package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.CheckedUpstream;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Reloads while traffic flows: no request fails, and state whose owner did not change survives. */
@ExtendWith(VertxExtension.class)
class ReloadUnderLoadTest {

  private static final int CONNECTIONS = 4;
  private static final int PER_CONNECTION = 600;
  private static final int[] MILESTONES = {300, 700, 1100, 1500, 1900};

  @TempDir
  Path dir;

  private Vertx vertx;
  private final List<EchoUpstream> upstreams = new ArrayList<>();
  private HttpClient client;
  private RunningProxy proxy;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    for (int i = 1; i <= 2; i++) {
      upstreams.add(EchoUpstream.start(vertx, "s" + i).await());
    }
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(CONNECTIONS));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    client.close().await();
  }

  /** A gateway config; {@code extra} adds routes, {@code strip} changes the api route. */
  private String config(String extra, boolean strip) {
    return """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 2}
        upstreams:
          app: {servers: ["%s", "%s"]}
        api_gateway:
          routes:
            api: {path_pattern: "^/api", upstream: app, strip_prefix: %s}
        %s
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(upstreams.get(0).address(), upstreams.get(1).address(), strip, extra, RunningProxy.KEY);
  }

  private static String route(String name) {
    return "    " + name + ": {path_pattern: \"^/" + name + "\", upstream: app}";
  }

  @Test
  void fourApiReloadsAndAnInvalidFileUnderLoadFailNoRequest() throws Exception {
    proxy = RunningProxy.start(dir.resolve("config.yaml"), config("", false));
    AtomicInteger done = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Promise<Void>> milestones = new ArrayList<>();
    for (int m : MILESTONES) {
      milestones.add(Promise.promise());
    }
    List<Future<Void>> connections = new ArrayList<>();
    for (int c = 0; c < CONNECTIONS; c++) {
      connections.add(run(PER_CONNECTION, done, failures, milestones));
    }

    List<String> files = List.of(
        config(route("extra"), false),
        config(route("extra"), true),
        config(route("extra") + "\n" + route("more"), true),
        config(route("more"), true));
    for (int i = 0; i < files.size(); i++) {
      milestones.get(i).future().await();
      proxy.rewrite(files.get(i));
      HttpResult reload = proxy.control(client, HttpMethod.POST, "/api/v1/reload", null);
      assertThat(reload.status()).as(reload.toString()).isEqualTo(200);
      assertThat(reload.json().getLong("config_version")).isEqualTo(i + 2);
    }
    milestones.get(4).future().await();
    proxy.rewrite(config(route("broken").replace("upstream: app", "upstream: nowhere"), false));
    HttpResult refused = proxy.control(client, HttpMethod.POST, "/api/v1/reload", null);
    assertThat(refused.status()).isEqualTo(400);
    Future.all(connections).await();

    assertThat(failures).as("failed requests").isEmpty();
    assertThat(done.get()).isEqualTo(CONNECTIONS * PER_CONNECTION);
    // The last valid file rules: strip_prefix on, "more" present, "extra" gone; the invalid one changed nothing.
    HttpResult stripped = HttpResult.get(client, proxy.port(), "/api/x");
    assertThat(stripped.status()).as(stripped.toString()).isEqualTo(200);
    assertThat(stripped.json().getString("uri")).isEqualTo("/x");
    assertThat(HttpResult.get(client, proxy.port(), "/more").status()).isEqualTo(200);
    assertThat(HttpResult.get(client, proxy.port(), "/extra").status()).isEqualTo(404);
    assertThat(HttpResult.get(client, proxy.port(), "/broken").status()).isEqualTo(404);
    JsonObject status = proxy.control(client, HttpMethod.GET, "/api/v1/status", null).json();
    assertThat(status.getLong("config_version")).isEqualTo(5);
  }

  /** {@code count} requests one after the other (one keep-alive connection's worth), counting failures. */
  private Future<Void> run(int count, AtomicInteger done, ConcurrentLinkedQueue<String> failures,
      List<Promise<Void>> milestones) {
    if (count == 0) {
      return Future.succeededFuture();
    }
    return HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(proxy.port())
            .setURI("/api/load"), null)
        .transform(ar -> {
          if (ar.failed()) {
            failures.add(ar.cause().toString());
          } else if (ar.result().status() != 200) {
            failures.add(ar.result().toString());
          }
          int n = done.incrementAndGet();
          for (int i = 0; i < MILESTONES.length; i++) {
            if (n >= MILESTONES[i]) {
              milestones.get(i).tryComplete();
            }
          }
          return run(count - 1, done, failures, milestones);
        });
  }

  @Test
  void serverMarkedDownStaysOutOfRotationAcrossAReloadThatDoesNotTouchItsUpstream() throws Exception {
    CheckedUpstream sick = CheckedUpstream.start(vertx, "s2").await();
    sick.healthStatus(500);
    String yaml = """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 2}
        upstreams:
          app:
            servers: ["%s", "%s"]
            health_check: {interval_secs: 1, timeout_secs: 5, path: /health}
        api_gateway:
          routes:
            api: {path_pattern: "^/api", upstream: app}
        %s
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """;
    proxy = RunningProxy.start(dir.resolve("config.yaml"),
        yaml.formatted(upstreams.get(0).address(), sick.address(), "", RunningProxy.KEY));
    // The first check runs at start; wait (bounded) until the control API reports s2 down.
    Eventually.until(vertx, Duration.ofSeconds(10), "s2 reported down", () -> proxy
        .controlAsync(client, HttpMethod.GET, "/api/v1/upstreams", null)
        .map(r -> !r.json().getJsonArray("upstreams").getJsonObject(0).getJsonArray("servers").getJsonObject(1)
            .getBoolean("healthy"))).await();
    int checksBefore = sick.healthChecks();
    // Each proxy instance hears the flip on its own event loop: wait until a full rotation skips s2.
    int sinceS2 = 0;
    for (int i = 0; i < 200 && sinceS2 < 6; i++) {
      sinceS2 = "s2".equals(HttpResult.get(client, proxy.port(), "/api").header("X-Upstream-Id")) ? 0 : sinceS2 + 1;
    }
    assertThat(sinceS2).as("s2 left the rotation").isEqualTo(6);

    proxy.rewrite(yaml.formatted(upstreams.get(0).address(), sick.address(), route("extra"), RunningProxy.KEY));
    assertThat(proxy.control(client, HttpMethod.POST, "/api/v1/reload", null).status()).isEqualTo(200);

    for (int i = 0; i < 10; i++) {
      HttpResult after = HttpResult.get(client, proxy.port(), "/api");
      assertThat(after.header("X-Upstream-Id")).as(after.toString()).isEqualTo("s1");
    }
    JsonObject app = proxy.control(client, HttpMethod.GET, "/api/v1/upstreams", null).json()
        .getJsonArray("upstreams").getJsonObject(0);
    assertThat(app.getJsonArray("servers").getJsonObject(1).getBoolean("healthy")).isFalse();
    assertThat(sick.requests()).isZero();
    assertThat(sick.healthChecks()).isGreaterThanOrEqualTo(checksBefore);
  }

  @Test
  void upstreamConnectionsOfAnUnchangedUpstreamSurviveAReload() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    HttpServer counting = vertx.createHttpServer()
        .connectionHandler(c -> opened.incrementAndGet())
        .requestHandler(req -> req.response().end("ok"))
        .listen(0, "127.0.0.1").await();
    String yaml = """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 1}
        upstreams:
          app: {servers: ["127.0.0.1:%d"]}
        api_gateway:
          routes:
            api: {path_pattern: "^/api", upstream: app}
        %s
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """;
    proxy = RunningProxy.start(dir.resolve("config.yaml"), yaml.formatted(counting.actualPort(), "", RunningProxy.KEY));
    for (int i = 0; i < 5; i++) {
      assertThat(HttpResult.get(client, proxy.port(), "/api").status()).isEqualTo(200);
    }
    proxy.rewrite(yaml.formatted(counting.actualPort(), route("extra"), RunningProxy.KEY));
    assertThat(proxy.control(client, HttpMethod.POST, "/api/v1/reload", null).status()).isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      assertThat(HttpResult.get(client, proxy.port(), "/api").status()).isEqualTo(200);
    }
    // Sequential requests from one instance: one pooled connection, kept across the reload.
    assertThat(opened.get()).isEqualTo(1);
  }
}
