package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP on the real jar reloads the file while keep-alive traffic flows, and refuses an invalid file. */
@ExtendWith(VertxExtension.class)
class ReloadSignalIT {

  private static final Duration STARTUP = Duration.ofSeconds(30);
  private static final int CONNECTIONS = 3;
  private static final int PER_CONNECTION = 150;

  @TempDir
  Path dir;

  private static String config(String upstream, String extraRoute) {
    return """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["%s"]
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: app
        %s
        control_api:
          bind_address: "127.0.0.1:0"
        """.formatted(upstream, extraRoute);
  }

  @Test
  void sighupReloadsUnderLoadWithNoFailedRequest(Vertx vertx) throws Exception {
    EchoUpstream up = EchoUpstream.start(vertx, "s1").await();
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, config(up.address(), ""));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(CONNECTIONS));
    try (JarProcess proxy = JarProcess.start(dir, "-c", file.toString(), "--instances", "2")) {
      int port = Integer.parseInt(proxy.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", STARTUP).group(1));
      proxy.awaitLine("control API listening on", STARTUP);

      AtomicInteger done = new AtomicInteger();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      Promise<Void> halfway = Promise.promise();
      List<Future<Void>> connections = new ArrayList<>();
      for (int c = 0; c < CONNECTIONS; c++) {
        connections.add(run(client, port, PER_CONNECTION, done, failures, halfway));
      }
      halfway.future().await();
      Files.writeString(file, config(up.address(), "    extra:\n      path_pattern: \"^/extra\"\n      upstream: app"));
      proxy.signal("HUP");
      proxy.awaitLine("config version 2 is now current \\(reload of .*routes: added \\[extra]", STARTUP);
      Future.all(connections).await();

      assertThat(failures).as("failed requests").isEmpty();
      assertThat(done.get()).isEqualTo(CONNECTIONS * PER_CONNECTION);
      assertThat(HttpResult.get(client, port, "/extra").status()).isEqualTo(200);

      Files.writeString(file, config(up.address(), "").replace("upstream: app", "upstream: nowhere"));
      proxy.signal("HUP");
      proxy.awaitLine("reload of .* refused, running config version 2 stays", STARTUP);
      proxy.awaitLine("api_gateway\\.routes\\.api\\.upstream: unknown upstream \"nowhere\"", STARTUP);
      assertThat(HttpResult.get(client, port, "/extra").status()).isEqualTo(200);
      assertThat(HttpResult.get(client, port, "/api").status()).isEqualTo(200);

      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).as(proxy.output()).isZero();
    } finally {
      client.close().await();
    }
  }

  private static Future<Void> run(HttpClient client, int port, int count, AtomicInteger done,
      ConcurrentLinkedQueue<String> failures, Promise<Void> halfway) {
    if (count == 0) {
      return Future.succeededFuture();
    }
    return HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/api/x"), null)
        .transform(ar -> {
          if (ar.failed()) {
            failures.add(ar.cause().toString());
          } else if (ar.result().status() != 200) {
            failures.add(ar.result().toString());
          }
          if (done.incrementAndGet() >= CONNECTIONS * PER_CONNECTION / 2) {
            halfway.tryComplete();
          }
          return run(client, port, count - 1, done, failures, halfway);
        });
  }
}
