package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A slow upstream for tests, on 127.0.0.1 and an ephemeral port: every request is held, unanswered,
 * until the test calls {@link #releaseAll()}; the test learns of arrivals as an event
 * ({@link #arrived}), so no test has to sleep. Answers like EchoUpstream: JSON {@code {"id": ...}} and
 * {@code X-Upstream-Id}. For requests that must be in flight at a chosen moment (shutdown, reload,
 * least-connections).
 */
public final class HoldingUpstream {

  private record Waiter(int count, Promise<Void> promise) {}

  private final String id;
  private final HttpServer server;
  private final ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
  // Guarded by this: the server's event loop and the test's thread both use them.
  private final List<Waiter> waiters = new ArrayList<>();
  private int arrived;

  private HoldingUpstream(Vertx vertx, String id) {
    this.id = id;
    server = vertx.createHttpServer().requestHandler(this::hold);
  }

  public static Future<HoldingUpstream> start(Vertx vertx, String id) {
    HoldingUpstream upstream = new HoldingUpstream(vertx, id);
    return upstream.server.listen(0, "127.0.0.1").map(s -> upstream);
  }

  private synchronized void hold(HttpServerRequest req) {
    held.add(req);
    arrived++;
    waiters.removeIf(w -> {
      if (arrived >= w.count()) {
        w.promise().complete();
        return true;
      }
      return false;
    });
  }

  /** Completes once {@code count} requests have arrived since the start. */
  public synchronized Future<Void> arrived(int count) {
    if (arrived >= count) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    waiters.add(new Waiter(count, promise));
    return promise.future();
  }

  /** Requests waiting for an answer now. */
  public int heldCount() {
    return held.size();
  }

  /** Answers every request held so far with 200. */
  public void releaseAll() {
    for (HttpServerRequest r = held.poll(); r != null; r = held.poll()) {
      r.response()
          .putHeader("content-type", "application/json")
          .putHeader("x-upstream-id", id)
          .end(new JsonObject().put("id", id).toBuffer());
    }
  }

  public String id() {
    return id;
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code 127.0.0.1:port}, as a config lists it. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  public Future<Void> close() {
    return server.close();
  }
}
