package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A reload that changes server.bind_address opens the new listener, then closes the old one. */
@ExtendWith(VertxExtension.class)
class ListenerRebindTest {

  @TempDir
  Path dir;

  private static String config(String upstream, String bind) {
    return """
        mode: api_gateway
        server: {bind_address: "%s", workers: 2}
        upstreams:
          app: {servers: ["%s"]}
        api_gateway:
          routes:
            api: {path_pattern: "^/api", upstream: app}
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(bind, upstream, RunningProxy.KEY);
  }

  @Test
  void newAddressAnswersAndTheOldOneCloses(Vertx vertx) throws Exception {
    EchoUpstream up = EchoUpstream.start(vertx, "s1").await();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), config(up.address(), "127.0.0.1:0"))) {
      int old = proxy.port();
      assertThat(HttpResult.get(client, old, "/api").status()).isEqualTo(200);
      int next;
      try (ServerSocket s = new ServerSocket(0)) {
        next = s.getLocalPort();
      }

      proxy.rewrite(config(up.address(), "127.0.0.1:" + next));
      HttpResult reload = proxy.control(client, HttpMethod.POST, "/api/v1/reload", null);
      assertThat(reload.status()).as(reload.toString()).isEqualTo(200);
      assertThat(reload.json().getJsonObject("diff").getJsonArray("sections")).containsExactly("server");
      assertThat(reload.json().getJsonArray("restart_required")).isEmpty();

      // Each instance opens the new listener on its own event loop, right after the answer: bounded wait.
      boolean newOpen = false;
      for (int i = 0; i < 100 && !newOpen; i++) {
        newOpen = status(client, next) == 200;
      }
      assertThat(newOpen).as("new listener on " + next).isTrue();
      for (int i = 0; i < 10; i++) {
        assertThat(status(client, next)).isEqualTo(200);
      }
      boolean oldClosed = false;
      for (int i = 0; i < 200 && !oldClosed; i++) {
        oldClosed = status(client, old) == -1;
      }
      assertThat(oldClosed).as("old listener on " + old + " closed").isTrue();
      JsonObject config = proxy.control(client, HttpMethod.GET, "/api/v1/config", null).json();
      assertThat(config.getJsonObject("server").getString("bind_address")).isEqualTo("127.0.0.1:" + next);
    } finally {
      client.close().await();
    }
  }

  /** The status of GET /api on {@code port}, or -1 when no connection could be made. */
  private static int status(HttpClient client, int port) {
    return HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/api"), null)
        .map(HttpResult::status).otherwise(-1).await();
  }
}
