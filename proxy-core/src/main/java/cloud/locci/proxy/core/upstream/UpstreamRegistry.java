package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.ServerAddress;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Selection state that must be process-wide (SPEC §10): round-robin cursors per upstream group,
 * Selection state that must be process-wide (SPEC §10): round-robin cursors per upstream group,
 * counters per server address, passive-ejection state per (upstream group, server address), and the
 * structures strategies prepare per list of servers (weighted sequences, hash rings). One per Vert.x
 * instance, shared by every proxy verticle instance, so three servers see 1-2-3-1-2-3 whatever the
 * number of event loops. Survives reloads.
 */
public final class UpstreamRegistry implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "upstream-registry";

  private final ConcurrentHashMap<String, AtomicLong> cursors = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ServerAddress, BackendStats> stats = new ConcurrentHashMap<>();
  private final PreparedCache prepared = new PreparedCache(PreparedCache.DEFAULT_BUDGET_BYTES);
  private final ConcurrentHashMap<PassiveKey, PassiveState> passive = new ConcurrentHashMap<>();

  /** Passive state belongs to a server within a group: nginx counts max_fails per upstream block. */
  private record PassiveKey(String upstream, ServerAddress address) {}

  UpstreamRegistry() {}

  /** The registry of {@code vertx}'s process, created on first use. */
  public static UpstreamRegistry of(Vertx vertx) {
    LocalMap<String, UpstreamRegistry> map = vertx.sharedData().getLocalMap(MAP);
    UpstreamRegistry fresh = new UpstreamRegistry();
    UpstreamRegistry existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /**
   * A registry of its own, for tools that compile a configuration outside a running proxy
   * ({@code locci-proxy explain}).
   */
  public static UpstreamRegistry standalone() {
    return new UpstreamRegistry();
  }

  /** The shared position counter of a group's rotation. */
  public AtomicLong cursor(String upstream) {
    return cursors.computeIfAbsent(upstream, k -> new AtomicLong());
  }

  /** The shared counters of one server address. */
  public BackendStats stats(ServerAddress address) {
    return stats.computeIfAbsent(address, k -> new BackendStats());
  }

  /** Weighted sequences and hash rings, per list of servers, shared by every instance. */
  PreparedCache prepared() {
    return prepared;
  }

  /**
   * The passive-ejection state of {@code address} in group {@code upstream}, created on first use and
   * kept across reloads while the group keeps that name.
   */
  public PassiveState passive(String upstream, ServerAddress address) {
    return passive.computeIfAbsent(new PassiveKey(upstream, address), k -> new PassiveState());
  }
}
