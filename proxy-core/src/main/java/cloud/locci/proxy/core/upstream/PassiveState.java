package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.UpstreamConfig.PassiveConfig;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Passive ejection of one server of one upstream group ({@code upstreams.<name>.passive}), with nginx's
 * {@code max_fails} / {@code fail_timeout} semantics. Process-wide: every proxy instance records into
 * and reads the same object (from {@link UpstreamRegistry}), so the failures of all event loops count
 * together; kept across reloads.
 *
 * <ul>
 *   <li>{@code max_fails} failed requests within {@code fail_timeout_secs} (counted from the first
 *       failure of the window) eject the server for {@code fail_timeout_secs}.</li>
 *   <li>When that time is over the server gets traffic again, on probation: its next outcome decides.
 *       A success clears everything; a failure ejects it again at once, for another
 *       {@code fail_timeout_secs} (as nginx does: the fail counter is still at {@code max_fails}).</li>
 *   <li>Successes outside probation do not reset the count: only time does (nginx documents
 *       "failures within the duration").</li>
 * </ul>
 *
 * <p>Lock-free: the state is one immutable value swapped by compare-and-set, read on every selection.
 */
public final class PassiveState {

  private static final Window CLEAR = new Window(0, 0L, false, 0L);

  private final AtomicReference<Window> window = new AtomicReference<>(CLEAR);

  PassiveState() {}

  /**
   * @param fails failed requests counted in the current window
   * @param windowStart when the first of them happened (nanos)
   * @param ejected whether the server was taken out (it stays so until {@code until}, then is on probation)
   * @param until end of the ejection (nanos); meaningful only when {@code ejected}
   */
  private record Window(int fails, long windowStart, boolean ejected, long until) {
    boolean ejectedAt(long now) {
      return ejected && now - until < 0;
    }
  }

  /** Whether the server is out of the rotation at {@code now} (a {@link System#nanoTime()} value). */
  public boolean ejectedAt(long now) {
    return window.get().ejectedAt(now);
  }

  /** Whether the server is out of the rotation now. */
  public boolean ejected() {
    return ejectedAt(System.nanoTime());
  }

  /** What one recorded failure did. */
  enum Outcome {
    /** Counted (or the server was already out): nothing to tell. */
    COUNTED,
    /** Reached {@code max_fails}: the server just left the rotation. */
    EJECTED,
    /** Failed on probation, right after an ejection: out again. */
    EJECTED_AGAIN
  }

  /**
   * Records one failed proxied request (refused, reset, timed out, TLS failure) at {@code now}.
   * Runs on any event loop.
   *
   * @return whether this failure took the server out of the rotation (the caller logs it, once)
   */
  Outcome failure(PassiveConfig config, long now) {
    long timeout = TimeUnit.SECONDS.toNanos(config.failTimeoutSecs());
    while (true) {
      Window w = window.get();
      Window next;
      Outcome outcome;
      if (w.ejectedAt(now)) {
        // A request that started before the ejection failed late: it is already counted as out.
        return Outcome.COUNTED;
      } else if (w.ejected) {
        // On probation after an ejection: one failure is enough, as in nginx.
        next = new Window(config.maxFails(), now, true, now + timeout);
        outcome = Outcome.EJECTED_AGAIN;
      } else {
        boolean fresh = w.fails == 0 || now - w.windowStart > timeout;
        int fails = fresh ? 1 : w.fails + 1;
        long start = fresh ? now : w.windowStart;
        next = fails >= config.maxFails() ? new Window(fails, start, true, now + timeout)
            : new Window(fails, start, false, 0L);
        outcome = next.ejected ? Outcome.EJECTED : Outcome.COUNTED;
      }
      if (window.compareAndSet(w, next)) {
        return outcome;
      }
    }
  }

  /**
   * Records a request whose response head arrived at {@code now}. Clears the state of a server on
   * probation; otherwise changes nothing.
   *
   * @return true when this success ended a probation (the server is fully back)
   */
  boolean success(long now) {
    while (true) {
      Window w = window.get();
      if (!w.ejected || w.ejectedAt(now)) {
        return false;
      }
      if (window.compareAndSet(w, CLEAR)) {
        return true;
      }
    }
  }

  /** Failures counted in the current window (for reports and tests). */
  public int failures() {
    return window.get().fails;
  }
}
