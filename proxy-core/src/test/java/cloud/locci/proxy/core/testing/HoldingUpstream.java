package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An upstream on 127.0.0.1 and an ephemeral port that holds every request, unanswered, until the test
 * releases them: for requests that must be in flight at a chosen moment (shutdown, reload).
 */
public final class HoldingUpstream {

  private record Waiter(int count, Promise<Void> promise) {}

  private final ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
  // Guarded by this: the server's event loop and the test's thread both use them.
  private final List<Waiter> waiters = new ArrayList<>();
  private int arrived;
  private final HttpServer server;

  private HoldingUpstream(Vertx vertx) {
    server = vertx.createHttpServer().requestHandler(this::hold);
  }

  public static Future<HoldingUpstream> start(Vertx vertx) {
    HoldingUpstream upstream = new HoldingUpstream(vertx);
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

  /** Completes once {@code count} requests have arrived in all. */
  public synchronized Future<Void> arrived(int count) {
    if (arrived >= count) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    waiters.add(new Waiter(count, promise));
    return promise.future();
  }

  /** Answers every request held so far with 200 and {@code body}. */
  public void releaseAll(String body) {
    HttpServerRequest r;
    while ((r = held.poll()) != null) {
      r.response().end(body);
    }
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
