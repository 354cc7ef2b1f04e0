package cloud.locci.proxy.core.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Live counters of one server address, shared by every proxy instance of the process and kept across
 * reloads: requests in flight (for least_connections and the control API).
 */
public final class BackendStats {

  private final AtomicInteger active = new AtomicInteger();

  /** Requests to this server that have started and not finished, process-wide. */
  public int active() {
    return active.get();
  }

  /** Called when a request is sent to this server. */
  public void begin() {
    active.incrementAndGet();
  }

  /** Called exactly once per {@link #begin()}, when the exchange with this server is over. */
  public void end() {
    active.decrementAndGet();
  }
}
