package cloud.locci.proxy.lb;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A slow upstream for tests, on an ephemeral port: every request is held, unanswered, until the test
 * calls {@link #release()}; the test learns of each arrival as an event ({@link #awaitHeld}), so no
 * test has to sleep. Answers like EchoUpstream: JSON {@code {"id": ...}} and {@code X-Upstream-Id}.
 */
final class HoldingUpstream {

  private final String id;
  private final HttpServer server;
  private final Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
  private final BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();
  private volatile Context context;

  private HoldingUpstream(String id, HttpServer server) {
    this.id = id;
    this.server = server;
  }

  static HoldingUpstream start(Vertx vertx, String id) {
    HttpServer server = vertx.createHttpServer();
    HoldingUpstream upstream = new HoldingUpstream(id, server);
    server.requestHandler(upstream::hold);
    return server.listen(0, "127.0.0.1").map(s -> upstream).await();
  }

  private void hold(HttpServerRequest request) {
    context = Vertx.currentContext();
    held.add(request);
    arrivals.add(request.uri());
  }

  /** Waits until {@code n} more requests have arrived (at most 10 s in all). */
  void awaitHeld(int n) throws InterruptedException {
    for (int i = 0; i < n; i++) {
      String uri = arrivals.poll(10, TimeUnit.SECONDS);
      if (uri == null) {
        throw new AssertionError(id + ": only " + i + " of " + n + " requests arrived");
      }
    }
  }

  /** Requests waiting for an answer now. */
  int heldCount() {
    return held.size();
  }

  /** Answers every held request, on the server's own event loop. */
  void release() {
    Context c = context;
    if (c == null) {
      return;
    }
    Promise<Void> done = Promise.promise();
    c.runOnContext(v -> {
      for (HttpServerRequest r = held.poll(); r != null; r = held.poll()) {
        r.response()
            .putHeader("content-type", "application/json")
            .putHeader("x-upstream-id", id)
            .end(new JsonObject().put("id", id).toBuffer());
      }
      done.complete();
    });
    done.future().await();
  }

  String address() {
    return "127.0.0.1:" + server.actualPort();
  }

  Future<Void> close() {
    return server.close();
  }
}
