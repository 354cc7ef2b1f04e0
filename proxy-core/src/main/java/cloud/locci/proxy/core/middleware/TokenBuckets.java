package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.config.MiddlewareConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The token buckets of one rate-limiting middleware, one per key, shared by every event loop (SPEC §10):
 * capacity {@code burst_size}, refilled at {@code requests_per_minute / 60} tokens per second, full at
 * first.
 *
 * <p>Each bucket is one {@link AtomicLong} holding its "theoretical arrival time" (the GCRA form of a
 * token bucket): the instant at which it will be full again. A bucket is full when that instant has
 * passed; taking a token pushes it one refill interval further; a request is refused when that would
 * push it more than {@code burst_size} intervals past now. Updates are one compare-and-set, without
 * locks, and a refused request takes nothing.
 *
 * <p>The number of keys is bounded ({@link #DEFAULT_MAX_KEYS} by default), so a flood of distinct keys
 * cannot exhaust memory. When an insertion takes the map over the bound, one thread sweeps it down to
 * 90%: first every full bucket goes (a full bucket is the same as a missing one, so nothing is lost),
 * then, if that is not enough, the buckets nearest to full. Evicting a bucket that is not full forgives
 * that key what it owed, so under such a flood the limit errs on the lenient side rather than refusing
 * well-behaved clients. The bound is soft by the few keys other threads insert during a sweep.
 */
final class TokenBuckets {

  /** Most keys kept per rate-limiting middleware. About 100 bytes each. */
  static final int DEFAULT_MAX_KEYS = 100_000;

  // Marks a bucket being evicted: a thread that finds it goes back to the map for a fresh one.
  private static final long DEAD = Long.MIN_VALUE;
  private static final int DEBT_BINS = 256;

  private final int requestsPerMinute;
  private final int burst;
  private final IntSupplier shares;
  private volatile Limits limits;
  private final int maxKeys;
  private final int lowWater;
  private final LongSupplier clock;
  private final ConcurrentHashMap<String, AtomicLong> buckets = new ConcurrentHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();

  /**
   * @param requestsPerMinute refill rate, at least 1
   * @param capacity bucket size, at least 1
   * @param maxKeys most keys kept before a sweep
   * @param clock monotonic nanoseconds
   */
  TokenBuckets(int requestsPerMinute, int capacity, int maxKeys, LongSupplier clock) {
    this(requestsPerMinute, capacity, () -> 1, maxKeys, clock);
  }

  /**
   * Buckets that enforce one part of a budget shared by {@code shares} nodes (a {@code scope: cluster}
   * limit): rate and capacity divided by it, recomputed when it changes.
   */
  TokenBuckets(int requestsPerMinute, int capacity, IntSupplier shares, int maxKeys, LongSupplier clock) {
    if (requestsPerMinute < 1 || capacity < 1 || maxKeys < 10) {
      throw new IllegalArgumentException("rate " + requestsPerMinute + ", capacity " + capacity + ", keys " + maxKeys);
    }
    this.requestsPerMinute = requestsPerMinute;
    this.burst = capacity;
    this.shares = shares;
    this.limits = Limits.of(requestsPerMinute, capacity, 1);
    this.maxKeys = maxKeys;
    this.lowWater = maxKeys - maxKeys / 10;
    this.clock = clock;
  }

  /**
   * The buckets of {@code config}, with the default key bound and the JVM's monotonic clock.
   *
   * @param shares how many nodes share the budget now (always 1 for a {@code scope: local} limit)
   */
  static TokenBuckets of(MiddlewareConfig.RateLimiting config, IntSupplier shares) {
    return new TokenBuckets(config.requestsPerMinute(), config.burstSize(), shares, DEFAULT_MAX_KEYS, System::nanoTime);
  }

  /**
   * This node's part of the budget: one token every {@code intervalNanos}, at most {@code capacity}. A
   * bucket's state is the instant it is full again, and the time to fill an empty bucket
   * ({@code capacityNanos}) hardly changes with the number of shares, so existing buckets carry over when
   * it changes: a client keeps its debt, only the token size changes.
   */
  private record Limits(int shares, int capacity, long intervalNanos, long capacityNanos, String capacityText) {
    static Limits of(int requestsPerMinute, int burst, int shares) {
      int capacity = Math.max(1, burst / shares);
      long interval = Math.max(1, TimeUnit.MINUTES.toNanos(1) * shares / requestsPerMinute);
      // At most 1e8 * 6e10 = 6e18 (burst_size and requests_per_minute are bounded by the binder): fits a long.
      return new Limits(shares, capacity, interval, interval * capacity, Integer.toString(capacity));
    }
  }

  private Limits limits() {
    Limits l = limits;
    int n = Math.max(1, shares.getAsInt());
    if (n != l.shares()) {
      l = Limits.of(requestsPerMinute, burst, n);
      limits = l;
    }
    return l;
  }

  /**
   * What one request got.
   *
   * @param allowed whether it took a token
   * @param remaining whole tokens left in its bucket afterwards
   * @param waitNanos when refused, how long until a token is available; 0 otherwise
   */
  record Take(boolean allowed, long remaining, long waitNanos) {}

  /** This node's bucket size now. */
  int capacity() {
    return limits().capacity();
  }

  /** {@link #capacity()} as text, for the {@code X-RateLimit-Limit} header (no allocation per request). */
  String capacityText() {
    return limits().capacityText();
  }

  /** Takes one token from {@code key}'s bucket, creating it full if it does not exist. Lock-free. */
  Take take(String key) {
    Limits l = limits();
    long intervalNanos = l.intervalNanos();
    long capacityNanos = l.capacityNanos();
    int capacity = l.capacity();
    long now = clock.getAsLong();
    while (true) {
      AtomicLong bucket = buckets.get(key);
      if (bucket == null) {
        AtomicLong fresh = new AtomicLong(now + intervalNanos);
        if (buckets.putIfAbsent(key, fresh) == null) {
          if (buckets.size() > maxKeys) {
            sweep();
          }
          return new Take(true, capacity - 1, 0);
        }
        continue;
      }
      long full = bucket.get();
      if (full == DEAD) {
        buckets.remove(key, bucket);
        continue;
      }
      long debt = Math.max(full, now) + intervalNanos - now;
      if (debt > capacityNanos) {
        return new Take(false, 0, debt - capacityNanos);
      }
      if (bucket.compareAndSet(full, now + debt)) {
        return new Take(true, (capacityNanos - debt) / intervalNanos, 0);
      }
    }
  }

  /** How many keys have a bucket now. */
  int size() {
    return buckets.size();
  }

  /** Sweeps the map down to 90% of the bound, if no other thread is doing it already. */
  void sweep() {
    if (!sweeping.compareAndSet(false, true)) {
      return;
    }
    try {
      long now = clock.getAsLong();
      long binWidth = limits().capacityNanos() / DEBT_BINS + 1;
      int[] histogram = new int[DEBT_BINS];
      int kept = 0;
      for (Map.Entry<String, AtomicLong> e : buckets.entrySet()) {
        long full = e.getValue().get();
        if (full == DEAD) {
          continue;
        }
        if (full <= now) {
          evict(e.getKey(), e.getValue(), full);
        } else {
          histogram[bin(full - now, binWidth)]++;
          kept++;
        }
      }
      if (kept <= lowWater) {
        return;
      }
      // Evict the buckets nearest to full: every bin below the one that frees enough room, and from
      // that bin only as many as still needed (under a flood, most buckets share a bin).
      int excess = kept - lowWater;
      int cutoff = 0;
      int below = 0;
      while (below + histogram[cutoff] < excess) {
        below += histogram[cutoff];
        cutoff++;
      }
      int fromCutoff = excess - below;
      for (Map.Entry<String, AtomicLong> e : buckets.entrySet()) {
        long full = e.getValue().get();
        if (full == DEAD) {
          continue;
        }
        int bin = bin(Math.max(0, full - now), binWidth);
        if (bin < cutoff || bin == cutoff && fromCutoff-- > 0) {
          evict(e.getKey(), e.getValue(), full);
        }
      }
    } finally {
      sweeping.set(false);
    }
  }

  private static int bin(long debt, long binWidth) {
    return (int) Math.min(DEBT_BINS - 1, debt / binWidth);
  }

  /** Removes {@code key}'s bucket unless a request changed it since it was read as {@code seen}. */
  private void evict(String key, AtomicLong bucket, long seen) {
    if (bucket.compareAndSet(seen, DEAD)) {
      buckets.remove(key, bucket);
    }
  }
}
