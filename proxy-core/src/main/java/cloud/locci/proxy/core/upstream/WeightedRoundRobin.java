package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.upstream.PreparedCache.Member;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code weighted_round_robin}: nginx's smooth weighted round robin. With weights 5, 1, 1 the servers
 * a, b, c are picked a a b a c a a, then again; each server gets exactly its weight's share of every
 * period (the sum of the weights), spread out rather than in bursts.
 *
 * <p>nginx keeps a running weight per server and updates them all on every request (under a lock when
 * the state is shared between workers). Here the whole period is computed once per candidate list (it
 * depends only on the weights, in order) and a request only reads the position the group's shared cursor
 * gives it: no lock, no allocation, and the sequence is exact across every proxy instance of the process. Weights are divided by their greatest
 * common divisor first (10, 2, 2 gives the same sequence as 5, 1, 1, as in nginx).
 *
 * <p>Memory is bounded: when the reduced period exceeds {@link #MAX_PERIOD} positions, or computing it
 * would take more than {@link #MAX_STEPS} steps, the group uses an interleaved order instead that keeps
 * exact counts per period (each server still gets exactly its weight in every period) in a different,
 * still spread-out order, stored as one number per server.
 */
final class WeightedRoundRobin implements Selector {

  /** Longest sequence stored (two bytes a position: 128 KiB). */
  static final int MAX_PERIOD = 1 << 16;
  /** Most period × servers steps spent computing one sequence (a few milliseconds). */
  static final long MAX_STEPS = 1L << 22;

  private static final double GOLDEN = 0.6180339887498949;

  private final AtomicLong cursor;
  private final CandidateMemo<Plan> plans;

  WeightedRoundRobin(AtomicLong cursor, PreparedCache cache) {
    this.cursor = cursor;
    this.plans = new CandidateMemo<>(candidates -> cache.get(new Key(Member.of(candidates)), Key::plan));
  }

  @Override
  public Backend pick(List<Backend> candidates, SelectionContext ctx) {
    Plan plan = plans.get(candidates);
    long position = Long.remainderUnsigned(cursor.getAndIncrement(), plan.period());
    return candidates.get(plan.index(position));
  }

  /** The plan for {@code candidates}, as {@link #pick} uses it (for tests). */
  Plan plan(List<Backend> candidates) {
    return plans.get(candidates);
  }

  /** The cache key: servers and weights in candidate order (the order decides ties, as in nginx). */
  private record Key(List<Member> members) {
    Plan plan() {
      int[] weights = new int[members.size()];
      for (int i = 0; i < weights.length; i++) {
        weights[i] = members.get(i).weight();
      }
      return WeightedRoundRobin.plan(weights);
    }
  }

  /** The order of one period: position in [0, period) to candidate index. */
  sealed interface Plan extends PreparedCache.Sized permits Smooth, Interleaved {
    long period();

    int index(long position);
  }

  /** Builds the plan for these weights (each at least 1), in candidate order. */
  static Plan plan(int[] weights) {
    int g = 0;
    for (int w : weights) {
      g = gcd(g, w);
    }
    int[] reduced = new int[weights.length];
    long period = 0;
    for (int i = 0; i < weights.length; i++) {
      reduced[i] = weights[i] / g;
      period += reduced[i];
    }
    if (period <= MAX_PERIOD && period * weights.length <= MAX_STEPS) {
      return Smooth.of(reduced, (int) period);
    }
    return Interleaved.of(reduced, period);
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** The exact nginx sequence, one candidate index per position. */
  static final class Smooth implements Plan {
    private final char[] order;

    private Smooth(char[] order) {
      this.order = order;
    }

    /**
     * nginx's ngx_http_upstream_get_peer: every server's current weight grows by its weight, the
     * largest (the first one on ties) is picked and loses the total. After one period every current
     * weight is back to zero, so the period repeats.
     */
    static Smooth of(int[] weights, int period) {
      int[] current = new int[weights.length];
      char[] order = new char[period];
      for (int step = 0; step < period; step++) {
        int best = 0;
        for (int i = 0; i < weights.length; i++) {
          current[i] += weights[i];
          if (current[i] > current[best]) {
            best = i;
          }
        }
        current[best] -= period;
        order[step] = (char) best;
      }
      return new Smooth(order);
    }

    @Override
    public long period() {
      return order.length;
    }

    @Override
    public int index(long position) {
      return order[(int) position];
    }

    @Override
    public long bytes() {
      return 16L + 2L * order.length;
    }
  }

  /**
   * For periods too long to store: position p takes slot (p × step) mod period, where step is coprime
   * with the period and close to period / φ, so consecutive positions land far apart; slot s belongs to
   * the server whose range of the cumulated weights holds s. Every slot is taken once per period, so
   * counts are exact.
   */
  static final class Interleaved implements Plan {
    private final long[] ends;
    private final long period;
    private final long step;

    private Interleaved(long[] ends, long period, long step) {
      this.ends = ends;
      this.period = period;
      this.step = step;
    }

    static Interleaved of(int[] weights, long period) {
      long[] ends = new long[weights.length];
      long sum = 0;
      for (int i = 0; i < weights.length; i++) {
        sum += weights[i];
        ends[i] = sum;
      }
      // (position × step) must not overflow: a period beyond 2^31 (two million servers of weight 1000)
      // falls back to blocks in server order, still exact.
      long step = 1;
      if (period <= Integer.MAX_VALUE) {
        step = Math.max(1, Math.round(period * GOLDEN));
        while (gcd(step, period) != 1) {
          step++;
        }
      }
      return new Interleaved(ends, period, step);
    }

    private static long gcd(long a, long b) {
      while (b != 0) {
        long t = a % b;
        a = b;
        b = t;
      }
      return a;
    }

    @Override
    public long period() {
      return period;
    }

    @Override
    public int index(long position) {
      long slot = position * step % period;
      int at = Arrays.binarySearch(ends, slot);
      // ends are exclusive: a slot equal to one server's end is the next server's first slot.
      return at >= 0 ? at + 1 : -at - 1;
    }

    @Override
    public long bytes() {
      return 32L + 8L * ends.length;
    }
  }
}
