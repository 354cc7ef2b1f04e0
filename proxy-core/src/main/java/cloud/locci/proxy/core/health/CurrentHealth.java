package cloud.locci.proxy.core.health;

import cloud.locci.proxy.core.upstream.HealthView;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The newest health view, process-wide, updated by the health checker before it publishes a flip.
 * Health is its own small snapshot: upstream groups read it at each selection (one volatile read), so a
 * request that starts after a flip was announced is routed by it on every event loop at once, and a flip
 * recompiles no config version (no routing table, no regex).
 */
public final class CurrentHealth implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "current-health";

  private final AtomicReference<HealthView> latest = new AtomicReference<>(HealthView.ALL_HEALTHY);

  private CurrentHealth() {}

  /** The holder of {@code vertx}'s process, created on first use. */
  public static CurrentHealth of(Vertx vertx) {
    LocalMap<String, CurrentHealth> map = vertx.sharedData().getLocalMap(MAP);
    CurrentHealth fresh = new CurrentHealth();
    CurrentHealth existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  public HealthView get() {
    return latest.get();
  }

  /** Applies one flip (called by the health checker, before it publishes the event). */
  public void apply(HealthChanged change) {
    latest.updateAndGet(v -> v.with(change.upstream(), change.server(), change.healthy()));
  }
}
