package cloud.locci.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 30 SIGHUP reloads while 16 keep-alive connections send requests without pause: each reload is sent
 * once the previous one is current and at least {@link #REQUESTS_BETWEEN} more requests have been
 * answered, so that every reload lands in the middle of traffic. The config alternates between two
 * versions that differ in routes and in the servers of the group the traffic goes to (the third server
 * leaves and comes back at every other reload); the servers take {@link #SERVER_DELAY_MS} to answer, so
 * requests are in flight at each swap, and finish on the config they started with. Then a burst of
 * {@link #BURST} signals without waiting, each after a new file: the last file wins. No request fails.
 */
@ExtendWith(VertxExtension.class)
class ReloadStormIT {

  private static final int RELOADS = 30;
  private static final int CONNECTIONS = 16;
  private static final int REQUESTS_BETWEEN = 10;
  private static final long SERVER_DELAY_MS = 20;
  /** Even: the burst ends with the variant that has /extra. */
  private static final int BURST = 10;

  @TempDir
  Path dir;

  private static String config(int variant, List<HttpServer> servers) {
    String list = String.join(", ", servers.stream().limit(variant == 0 ? 2 : 3)
        .map(s -> "\"127.0.0.1:" + s.actualPort() + "\"").toList());
    String extraRoute = variant == 0 ? "" : """
            extra:
              path_pattern: "^/extra"
              upstream: app
        """;
    return """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: [%s]
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: app
        %s
        control_api:
          enabled: false
        """.formatted(list, extraRoute);
  }

  @Test
  @Timeout(120)
  void thirtyReloadsUnderContinuousTrafficFailNoRequest(Vertx vertx) throws Exception {
    List<HttpServer> servers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      servers.add(vertx.createHttpServer()
          .requestHandler(req -> vertx.setTimer(SERVER_DELAY_MS, t -> req.response().end("ok")))
          .listen(0, "127.0.0.1").await());
    }
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(CONNECTIONS));
    try (JarProcess proxy = ProxyJar.start(dir, config(0, servers), List.of("-Xmx128m"), "--instances", "2")) {
      int port = proxy.awaitProxyPort(ProxyJar.STARTUP);

      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger done = new AtomicInteger();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      Promise<Void> warm = Promise.promise();
      List<Future<Void>> loops = new ArrayList<>();
      for (int c = 0; c < CONNECTIONS; c++) {
        loops.add(loop(client, port, stop, done, failures, warm));
      }
      warm.future().await();

      int before = done.get();
      long start = System.nanoTime();
      for (int i = 1; i <= RELOADS; i++) {
        int target = done.get() + REQUESTS_BETWEEN;
        Eventually.untilTrue(vertx, Duration.ofSeconds(20), REQUESTS_BETWEEN + " more requests",
            () -> done.get() >= target).await();
        ProxyJar.writeConfig(dir, config(i % 2, servers));
        proxy.signal("HUP");
        proxy.awaitLine("config version " + (i + 1) + " is now current \\(reload", Duration.ofSeconds(20));
      }
      long reloadMs = (System.nanoTime() - start) / 1_000_000;
      int during = done.get() - before;

      // A burst: signals faster than reloads finish (the system may merge pending ones). Each reload
      // reads the file as it is then, so the file written last is the one in effect in the end.
      for (int j = 0; j < BURST; j++) {
        ProxyJar.writeConfig(dir, config(j % 2, servers));
        proxy.signal("HUP");
      }
      // The last file (j = BURST - 1, odd) has the route /extra, which the config before the burst did not have.
      Eventually.until(vertx, Duration.ofSeconds(20), "the last file in effect", () -> HttpResult.fetch(client,
          new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/extra"), null)
          .map(r -> r.status() == 200)).await();
      stop.set(true);
      Future.all(loops).await();

      assertThat(failures).as("failed requests").isEmpty();
      // The scenario is "30 reloads in 10 s"; they take a fraction of that, so this is no speed test.
      assertThat(reloadMs).isLessThan(10_000);
      assertThat(during).as("requests served while reloading").isGreaterThan(RELOADS);
      assertThat(proxy.output()).doesNotContain("refused, running config");
      System.out.printf("FIGURE reload storm: %d SIGHUP reloads applied in %d ms, %d requests during them "
          + "(%d in all, with a burst of %d more signals) over %d connections, 0 failed%n", RELOADS, reloadMs, during,
          done.get(), BURST, CONNECTIONS);
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).as(proxy.output()).isZero();
    } finally {
      client.close().await();
    }
  }

  /** Requests one after the other until {@code stop}; any status but 200 or any error is a failure. */
  private static Future<Void> loop(HttpClient client, int port, AtomicBoolean stop, AtomicInteger done,
      ConcurrentLinkedQueue<String> failures, Promise<Void> warm) {
    if (stop.get()) {
      return Future.succeededFuture();
    }
    return HttpResult.fetch(client, new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/api/x")
            .setIdleTimeout(10_000), null)
        .transform(ar -> {
          if (ar.failed()) {
            failures.add(ar.cause().toString());
          } else if (ar.result().status() != 200) {
            failures.add(ar.result().toString());
          }
          if (done.incrementAndGet() >= 200) {
            warm.tryComplete();
          }
          return loop(client, port, stop, done, failures, warm);
        });
  }
}
