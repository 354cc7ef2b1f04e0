package cloud.locci.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 2,000 requests, each with its own id, sent at once over 64 keep-alive connections and spread over
 * three servers: exactly 2,000 arrive at the servers, each id once (nothing lost, nothing sent twice),
 * and each client gets the answer to its own request.
 */
@ExtendWith(VertxExtension.class)
class ExactlyOnceIT {

  private static final int REQUESTS = 2000;
  private static final int CONNECTIONS = 64;
  private static final String ID = "x-test-id";

  @TempDir
  Path dir;

  @Test
  @Timeout(120)
  void twoThousandRequestsOver64ConnectionsArriveExactlyOnce(Vertx vertx) throws Exception {
    Map<String, AtomicInteger> arrivals = new ConcurrentHashMap<>();
    List<HttpServer> servers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String name = "s" + i;
      servers.add(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
        String id = req.getHeader(ID);
        arrivals.computeIfAbsent(id == null ? "(none)" : id, k -> new AtomicInteger()).incrementAndGet();
        // Echoes the id and the body, so the client can check it got the answer to its own request.
        req.response().putHeader(ID, id == null ? "" : id).putHeader("x-server", name).end(body);
      })).listen(0, "127.0.0.1").await());
    }
    AtomicInteger clientConnections = new AtomicInteger();
    HttpClient client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(true))
        .with(new PoolOptions().setHttp1MaxSize(CONNECTIONS).setMaxWaitQueueSize(-1))
        .withConnectHandler(c -> clientConnections.incrementAndGet())
        .build();
    try (JarProcess proxy = ProxyJar.start(dir, """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["127.0.0.1:%d", "127.0.0.1:%d", "127.0.0.1:%d"]
        load_balancer:
          upstream: app
        logging:
          access_log: false
        control_api:
          enabled: false
        """.formatted(servers.get(0).actualPort(), servers.get(1).actualPort(), servers.get(2).actualPort()),
        List.of("-Xmx128m"), "--instances", "2")) {
      int port = proxy.awaitProxyPort(ProxyJar.STARTUP);

      long start = System.nanoTime();
      List<Future<HttpResult>> answers = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        String id = "req-" + i;
        // Half GETs, half POSTs with a small body: both kinds must arrive exactly once.
        boolean post = i % 2 == 1;
        RequestOptions options = new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/n/" + i)
            .setMethod(post ? HttpMethod.POST : HttpMethod.GET).addHeader(ID, id).setIdleTimeout(30_000);
        answers.add(HttpResult.fetch(client, options, post ? Buffer.buffer("body of " + id) : null));
      }
      Future.join(answers).await();
      long tookMs = (System.nanoTime() - start) / 1_000_000;

      List<String> wrong = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        Future<HttpResult> f = answers.get(i);
        String id = "req-" + i;
        if (f.failed()) {
          wrong.add(id + ": " + f.cause());
          continue;
        }
        HttpResult r = f.result();
        String expectedBody = i % 2 == 1 ? "body of " + id : "";
        if (r.status() != 200 || !id.equals(r.header(ID)) || !expectedBody.equals(r.body().toString())) {
          wrong.add(id + ": " + r);
        }
      }
      assertThat(wrong).as("requests without their own answer").isEmpty();
      int total = arrivals.values().stream().mapToInt(AtomicInteger::get).sum();
      assertThat(total).as("requests arrived at the servers").isEqualTo(REQUESTS);
      assertThat(arrivals).as("distinct ids arrived").hasSize(REQUESTS);
      assertThat(arrivals.values()).allMatch(n -> n.get() == 1);
      assertThat(clientConnections.get()).isLessThanOrEqualTo(CONNECTIONS);
      System.out.printf("FIGURE exactly once: %d requests over %d client connections in %d ms, %d arrived at 3 "
          + "servers, %d distinct ids, none twice%n", REQUESTS, clientConnections.get(), tookMs, total, arrivals.size());
    } finally {
      client.close().await();
    }
  }
}
