package cloud.locci.proxy.core;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Process-wide traffic counters shared by every proxy instance: requests in flight (to report how many
 * a shutdown cut short) and open client connections ({@code locci_active_connections}).
 */
public final class TrafficCounters implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "traffic-counters";

  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();

  private TrafficCounters() {}

  /** The counters of {@code vertx}'s process, created on first use. */
  public static TrafficCounters of(Vertx vertx) {
    LocalMap<String, TrafficCounters> map = vertx.sharedData().getLocalMap(MAP);
    TrafficCounters fresh = new TrafficCounters();
    TrafficCounters existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** Requests received and not yet answered (or failed). */
  public AtomicInteger inFlight() {
    return inFlight;
  }

  /** Client connections open now. */
  public AtomicInteger connections() {
    return connections;
  }
}
