package cloud.locci.proxy.core.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code least_connections}: the server with the fewest requests in flight relative to its weight
 * (active / weight, as nginx's {@code least_conn}), counted across every proxy instance of the process.
 *
 * <p>Ties are common (every idle server has zero) and must share load rather than always go to the
 * first server: when every candidate ties, the pick follows the group's smooth weighted round robin
 * (with equal weights, plain round robin: three idle servers see 1-2-3-1-2-3); when only some tie, it
 * rotates among those in proportion to their weights, with the group's shared cursor.
 *
 * <p>Counters are read without locks while other event loops change them, so a pick may see a count a
 * moment old; only requests arriving at the same instant can notice, and for them any balancer's view is
 * approximate.
 */
final class LeastConnections implements Selector {

  private final AtomicLong cursor;
  private final WeightedRoundRobin whenAllTie;

  LeastConnections(AtomicLong cursor, PreparedCache cache) {
    this.cursor = cursor;
    this.whenAllTie = new WeightedRoundRobin(cursor, cache);
  }

  @Override
  public Backend pick(List<Backend> candidates, SelectionContext ctx) {
    int n = candidates.size();
    if (n == 1) {
      return candidates.get(0);
    }
    Backend best = null;
    long bestActive = 0;
    int tied = 0;
    long tiedWeight = 0;
    for (int i = 0; i < n; i++) {
      Backend b = candidates.get(i);
      long active = b.stats().active();
      if (best == null) {
        best = b;
        bestActive = active;
        tied = 1;
        tiedWeight = b.weight();
        continue;
      }
      // active/weight compared without division: a/w < A/W  <=>  a*W < A*w (weights are positive).
      long mine = active * best.weight();
      long theirs = bestActive * b.weight();
      if (mine < theirs) {
        best = b;
        bestActive = active;
        tied = 1;
        tiedWeight = b.weight();
      } else if (mine == theirs) {
        tied++;
        tiedWeight += b.weight();
      }
    }
    if (tied == 1) {
      return best;
    }
    if (tied == n) {
      return whenAllTie.pick(candidates, ctx);
    }
    long r = Long.remainderUnsigned(cursor.getAndIncrement(), tiedWeight);
    for (int i = 0; i < n; i++) {
      Backend b = candidates.get(i);
      if ((long) b.stats().active() * best.weight() == bestActive * b.weight()) {
        if (r < b.weight()) {
          return b;
        }
        r -= b.weight();
      }
    }
    // Counts moved between the two passes (another event loop began or ended a request): the least
    // loaded server seen in the first pass is as good an answer.
    return best;
  }
}
