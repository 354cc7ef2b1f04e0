package cloud.locci.proxy.control;

import java.util.HashMap;
import java.util.Map;

/**
 * Slows API-key guessing: each client address may have at most {@link #PER_SECOND} failed key checks a
 * second, in bursts of as many (a generic cell rate algorithm: one "theoretical arrival time" per
 * address). Every check reserves a slot before it is made, so requests sent in parallel wait their turn
 * too, and a check that succeeds gives its slot back: a client that presents the right key never waits
 * unless it failed just before. Confined to the control API's event loop; addresses with no debt are
 * dropped when the map grows. Callers key IPv6 clients by their /64
 * ({@link cloud.locci.proxy.core.forward.ClientAddresses#perClientKey}).
 */
final class FailedKeyThrottle {

  static final int PER_SECOND = 10;
  private static final long INTERVAL_NANOS = 1_000_000_000L / PER_SECOND;
  private static final long BURST_NANOS = INTERVAL_NANOS * (PER_SECOND - 1);
  private static final int SWEEP_AT = 10_000;
  // Past this many addresses in debt even after a sweep, the map starts over: lenient, but bounded.
  private static final int MAX_ADDRESSES = 100_000;

  private final Map<String, Long> arrival = new HashMap<>();

  /**
   * Reserves a check for {@code address} at {@code now}; returns the nanoseconds to wait before making
   * it (0: at once).
   */
  long reserve(String address, long now) {
    if (arrival.size() >= SWEEP_AT) {
      arrival.values().removeIf(t -> t - now <= 0);
      if (arrival.size() >= MAX_ADDRESSES) {
        arrival.clear();
      }
    }
    long tat = Math.max(arrival.getOrDefault(address, now), now);
    long wait = Math.max(0, tat - BURST_NANOS - now);
    arrival.put(address, tat + INTERVAL_NANOS);
    return wait;
  }

  /** A reserved check succeeded: gives its slot back. */
  void succeeded(String address) {
    arrival.computeIfPresent(address, (a, t) -> t - INTERVAL_NANOS);
  }
}
