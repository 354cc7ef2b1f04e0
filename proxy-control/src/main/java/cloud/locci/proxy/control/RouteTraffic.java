package cloud.locci.proxy.control;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests and errors per route over the last minute, for the dashboard ({@code GET /api/v1/traffic}).
 * Each route has a ring of one-second slots; a slot holds the second it counts and two
 * {@link LongAdder}s. Recording takes no lock: the first request of a new second replaces the slot's
 * stale occupant with a fresh one by compare-and-set, so no count is ever reset under a writer, and a
 * request is counted in the second it ended. Reading sums the slots of the last {@link #WINDOW_SECS}
 * seconds, the current one included.
 *
 * <p>Seconds come from {@link System#nanoTime()} (monotonic: a wall-clock jump does not empty or double
 * the window). Routes are keyed by the config's names ({@code ""} for no route or load-balancer mode),
 * so their number is bounded by the config; {@link #retain} drops routes the config no longer has.
 */
final class RouteTraffic {

  static final int WINDOW_SECS = 60;
  /** More slots than the window, so the second being written never shares a slot with one being read. */
  private static final int SLOTS = 64;
  private static final long NANOS_PER_SEC = 1_000_000_000L;

  private final ConcurrentHashMap<String, Ring> routes = new ConcurrentHashMap<>();

  /** Counts one exchange of {@code route} that ended at {@code nanoTime}. Any thread, no lock. */
  void record(String route, boolean error, long nanoTime) {
    Ring ring = routes.get(route);
    if (ring == null) {
      ring = routes.computeIfAbsent(route, k -> new Ring());
    }
    Second slot = ring.at(nanoTime / NANOS_PER_SEC);
    if (slot != null) {
      slot.requests.increment();
      if (error) {
        slot.errors.increment();
      }
    }
  }

  /** The totals of {@code route} over the last minute as of {@code nanoTime}; zeros when it had none. */
  Totals lastMinute(String route, long nanoTime) {
    Ring ring = routes.get(route);
    return ring == null ? Totals.NONE : ring.sum(nanoTime / NANOS_PER_SEC);
  }

  /** Forgets routes not in {@code names} (and not {@code ""}): run when the config changes. */
  void retain(Collection<String> names) {
    Set<String> keep = new HashSet<>(names);
    keep.add("");
    routes.keySet().retainAll(keep);
  }

  /** Requests and errors over {@link #WINDOW_SECS} seconds. */
  record Totals(long requests, long errors) {
    static final Totals NONE = new Totals(0, 0);
  }

  private static final class Second {
    final long second;
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();

    Second(long second) {
      this.second = second;
    }
  }

  private static final class Ring {
    private final AtomicReferenceArray<Second> slots = new AtomicReferenceArray<>(SLOTS);

    /** The slot counting {@code second}, installed if need be; null for a writer a whole ring late. */
    Second at(long second) {
      int i = (int) Math.floorMod(second, (long) SLOTS);
      while (true) {
        Second s = slots.get(i);
        if (s != null && s.second == second) {
          return s;
        }
        if (s != null && s.second > second) {
          return null;
        }
        Second fresh = new Second(second);
        if (slots.compareAndSet(i, s, fresh)) {
          return fresh;
        }
      }
    }

    Totals sum(long now) {
      long requests = 0;
      long errors = 0;
      for (long second = now - WINDOW_SECS + 1; second <= now; second++) {
        Second s = slots.get((int) Math.floorMod(second, (long) SLOTS));
        if (s != null && s.second == second) {
          requests += s.requests.sum();
          errors += s.errors.sum();
        }
      }
      return new Totals(requests, errors);
    }
  }
}
