package cloud.locci.proxy.core.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Structures prepared for a list of servers (a weighted round-robin sequence, a hash ring), shared by
 * every proxy instance of the process through the {@link UpstreamRegistry}: each is computed once per
 * distinct list of (address, weight), not once per event loop and snapshot, and survives reloads that
 * leave the list unchanged.
 *
 * <p>Memory is bounded: when the entries' estimated size passes the budget the cache starts afresh
 * (the selectors of live snapshots keep their own reference, so nothing in use is lost; a list seen
 * again is prepared again). Lock-free: a miss computes outside any lock, and when two threads race the
 * first stored result wins.
 */
final class PreparedCache {

  /** What the cache holds: something that can estimate its own size. */
  interface Sized {
    /** Approximate heap bytes, for the budget. */
    long bytes();
  }

  /** One server as the prepared structures see it: its configured address and weight. */
  record Member(String address, int weight) {
    static List<Member> of(List<Backend> candidates) {
      List<Member> members = new ArrayList<>(candidates.size());
      for (Backend b : candidates) {
        members.add(new Member(b.address().toString(), b.weight()));
      }
      return List.copyOf(members);
    }
  }

  /** 16 MiB: far more than real groups need (a ring of 131,072 points is 1 MiB). */
  static final long DEFAULT_BUDGET_BYTES = 16L << 20;

  private final ConcurrentHashMap<Object, Sized> entries = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final long budget;

  PreparedCache(long budgetBytes) {
    this.budget = budgetBytes;
  }

  /**
   * The structure for {@code key}, built by {@code build} on a miss. Each key type must always map to
   * the same value type (the cast below relies on it); keys are immutable records.
   */
  @SuppressWarnings("unchecked")
  <K, V extends Sized> V get(K key, Function<? super K, ? extends V> build) {
    Sized hit = entries.get(key);
    if (hit != null) {
      return (V) hit;
    }
    V built = build.apply(key);
    Sized raced = entries.putIfAbsent(key, built);
    if (raced != null) {
      return (V) raced;
    }
    if (bytes.addAndGet(built.bytes()) > budget) {
      entries.clear();
      bytes.set(0);
    }
    return built;
  }

  /** Number of entries now (for tests). */
  int size() {
    return entries.size();
  }
}
