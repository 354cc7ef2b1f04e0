package cloud.locci.proxy.core.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

/**
 * How many nodes of the cluster are alive now, this one included: 1 outside cluster mode. Set by the
 * cluster membership when a node joins or leaves; read by {@code scope: cluster} rate limits on every
 * request (one volatile read, never a network call), so each node enforces its part of the budget.
 */
public final class LiveMembers implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "live-members";

  private volatile int count = 1;

  private LiveMembers() {}

  /** The holder of {@code vertx}'s process, created on first use. */
  public static LiveMembers of(Vertx vertx) {
    LocalMap<String, LiveMembers> map = vertx.sharedData().getLocalMap(MAP);
    LiveMembers fresh = new LiveMembers();
    LiveMembers existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** The live nodes, at least 1. */
  public int count() {
    return count;
  }

  /** Called by the cluster membership only; values below 1 count as 1 (this node is alive). */
  public void set(int live) {
    count = Math.max(1, live);
  }
}
