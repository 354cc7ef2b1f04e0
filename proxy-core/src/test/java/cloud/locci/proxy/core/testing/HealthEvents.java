package cloud.locci.proxy.core.testing;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.health.HealthReport;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Records every {@link HealthChanged} published on the event bus, for tests that wait for a flip (the
 * event is the signal: no sleeping). Create it before the health checker starts so no flip is missed.
 * Call {@link #next} and {@link #drained} off the event loop.
 */
public final class HealthEvents {

  private final Vertx vertx;
  private final BlockingQueue<HealthChanged> queue = new LinkedBlockingQueue<>();
  private final MessageConsumer<HealthChanged> consumer;

  private HealthEvents(Vertx vertx) {
    this.vertx = vertx;
    LocalCodec.register(vertx, HealthChanged.class);
    LocalCodec.register(vertx, HealthReport.class);
    this.consumer = vertx.eventBus().consumer(Addresses.HEALTH_CHANGED, m -> queue.add(m.body()));
  }

  /** Starts listening; returns once the consumer is registered. */
  public static HealthEvents listen(Vertx vertx) {
    HealthEvents events = new HealthEvents(vertx);
    events.consumer.completion().await();
    return events;
  }

  /** The next flip, waiting at most {@code max}; fails the test when none comes. */
  public HealthChanged next(Duration max) {
    try {
      HealthChanged e = queue.poll(max.toMillis(), TimeUnit.MILLISECONDS);
      if (e == null) {
        throw new AssertionError("no HealthChanged event within " + max);
      }
      return e;
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", ie);
    }
  }

  /** Every flip received and not yet taken by {@link #next}. */
  public List<HealthChanged> drained() {
    List<HealthChanged> all = new ArrayList<>();
    queue.drainTo(all);
    return all;
  }

  /**
   * Waits until each of {@code addresses} has been checked and is healthy, then forgets the flips seen
   * so far. Tests start from there: on a busy machine the very first check of a cold JVM may time out
   * and flip a server down and up again before the test has provoked anything.
   */
  public void awaitCheckedAndHealthy(Duration max, String... addresses) {
    Eventually.until(vertx, max, "checked and healthy: " + String.join(", ", addresses), () -> vertx.eventBus()
        .<HealthReport>request(Addresses.HEALTH_GET, null)
        .map(m -> {
          for (String a : addresses) {
            boolean ok = m.body().servers().stream().anyMatch(s -> s.server().toString().equals(a)
                && s.checked() && s.healthy() && !s.reason().isEmpty());
            if (!ok) {
              return false;
            }
          }
          return true;
        }))
        .await();
    drained();
  }

  /** Asks the health checker for its report. */
  public HealthReport report() {
    return vertx.eventBus().<HealthReport>request(Addresses.HEALTH_GET, null).await().body();
  }
}
