package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * State whose owner a reload does not change survives it, in the whole process as the launcher wires
 * it: an open WebSocket tunnel keeps echoing, a rate-limit bucket keeps its count, and explain answers
 * from the new routing table.
 */
@ExtendWith(VertxExtension.class)
class StateAcrossReloadTest {

  @TempDir
  Path dir;

  private RunningProxy proxy;
  private HttpClient client;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (client != null) {
      client.close().await();
    }
  }

  private String config(String wsAddress, String echoAddress, String extraRoute) {
    return """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 2}
        upstreams:
          ws: {servers: ["%s"]}
          app: {servers: ["%s"]}
        middlewares:
          limit: {type: rate_limiting, requests_per_minute: 1, burst_size: 5, key_header: X-Client}
        api_gateway:
          routes:
            chat: {path_pattern: "^/chat", upstream: ws}
            api: {path_pattern: "^/api", upstream: app, middlewares: [limit]}
        %s
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(wsAddress, echoAddress, extraRoute, RunningProxy.KEY);
  }

  @Test
  void webSocketBucketsAndExplainAcrossAReload(Vertx vertx) throws Exception {
    HttpServer wsServer = vertx.createHttpServer()
        .webSocketHandler(ws -> ws.textMessageHandler(t -> ws.writeTextMessage("echo:" + t)))
        .listen(0, "127.0.0.1").await();
    EchoUpstream echo = EchoUpstream.start(vertx, "app").await();
    String ws = "127.0.0.1:" + wsServer.actualPort();
    proxy = RunningProxy.start(dir.resolve("config.yaml"), config(ws, echo.address(), ""));
    client = vertx.createHttpClient();

    WebSocketClient wsClient = vertx.createWebSocketClient();
    WebSocket socket = wsClient.connect(proxy.port(), "127.0.0.1", "/chat").await();
    LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    socket.textMessageHandler(received::add);
    socket.writeTextMessage("before");
    assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:before");

    RequestOptions limited = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(proxy.port()).setURI("/api/x").addHeader("X-Client", "alice");
    for (int i = 0; i < 3; i++) {
      assertThat(HttpResult.send(client, limited, null).status()).isEqualTo(200);
    }

    proxy.rewrite(config(ws, echo.address(), "    extra: {path_pattern: \"^/extra\", upstream: app}"));
    HttpResult reload = proxy.control(client, HttpMethod.POST, "/api/v1/reload", null);
    assertThat(reload.status()).as(reload.toString()).isEqualTo(200);
    assertThat(reload.json().getJsonObject("diff").getJsonObject("routes").getJsonArray("added").getList())
        .containsExactly("extra");

    // The tunnel opened before the reload still works both ways.
    socket.writeTextMessage("after");
    assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:after");

    // The bucket kept its count: 3 of 5 tokens were used before the reload (refill: one a minute).
    HttpResult fourth = HttpResult.send(client, limited, null);
    assertThat(fourth.status()).isEqualTo(200);
    assertThat(fourth.header("X-RateLimit-Remaining")).isEqualTo("1");

    // explain answers from the real gateway's new table.
    JsonObject explained = proxy.control(client, HttpMethod.GET, "/api/v1/explain?path=/extra/1", null).json();
    assertThat(explained.getString("route")).isEqualTo("extra");
    assertThat(explained.getJsonObject("target").getString("upstream")).isEqualTo("app");

    Promise<Void> closed = Promise.promise();
    socket.closeHandler(v -> closed.tryComplete());
    socket.close();
    closed.future().await();
    wsClient.close().await();
  }
}
