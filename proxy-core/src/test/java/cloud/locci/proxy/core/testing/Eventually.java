package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits for an observable condition where no event announces it, by asking again on a Vert.x timer (no
 * sleeping thread), within a bound: the future fails when {@code max} has passed.
 */
public final class Eventually {

  private static final long EVERY_MS = 20;

  private Eventually() {}

  /** Completes once {@code condition} yields true; fails after {@code max}. */
  public static Future<Void> until(Vertx vertx, Duration max, String what, Supplier<Future<Boolean>> condition) {
    Promise<Void> done = Promise.promise();
    long deadline = System.nanoTime() + max.toNanos();
    vertx.runOnContext(v -> ask(vertx, deadline, what, condition, done));
    return done.future();
  }

  /** The same for a condition that can be read at once. */
  public static Future<Void> untilTrue(Vertx vertx, Duration max, String what, Supplier<Boolean> condition) {
    return until(vertx, max, what, () -> Future.succeededFuture(condition.get()));
  }

  private static void ask(Vertx vertx, long deadline, String what, Supplier<Future<Boolean>> condition,
      Promise<Void> done) {
    condition.get().onComplete(ar -> {
      if (ar.succeeded() && Boolean.TRUE.equals(ar.result())) {
        done.complete();
      } else if (System.nanoTime() - deadline > 0) {
        done.fail(new AssertionError("still not true: " + what
            + (ar.failed() ? " (last attempt failed: " + ar.cause() + ")" : "")));
      } else {
        vertx.setTimer(EVERY_MS, t -> ask(vertx, deadline, what, condition, done));
      }
    });
  }
}
