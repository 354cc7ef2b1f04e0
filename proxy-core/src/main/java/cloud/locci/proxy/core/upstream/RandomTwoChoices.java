package cloud.locci.proxy.core.upstream;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code random_two_choices}: the power of two random choices. Two different servers are drawn at
 * random, in proportion to their weights, and the one with fewer requests in flight relative to its
 * weight (active / weight, process-wide) wins; on a tie the first drawn wins. Nearly as even as
 * {@code least_connections} without every request looking at every server, and without the herd effect
 * of many balancers all choosing the same least-loaded server at once. A server is picked only when it
 * is no busier than the other drawn one, so a server far busier than the rest is avoided.
 *
 * <p>With equal weights the draw is uniform; otherwise the cumulated weights are computed once per
 * candidate list. No lock, no allocation per request ({@link ThreadLocalRandom}).
 */
final class RandomTwoChoices implements Selector {

  /** Cumulated weights per candidate list; null when all weights are equal. */
  private final CandidateMemo<long[]> ends = new CandidateMemo<>(RandomTwoChoices::cumulatedWeights);

  @Override
  public Backend pick(List<Backend> candidates, SelectionContext ctx) {
    int n = candidates.size();
    if (n == 1) {
      return candidates.get(0);
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long[] cumulated = ends.get(candidates);
    int first;
    int second;
    if (cumulated == null) {
      first = random.nextInt(n);
      second = random.nextInt(n - 1);
      if (second >= first) {
        second++;
      }
    } else {
      long total = cumulated[n - 1];
      first = owner(cumulated, random.nextLong(total));
      long start = first == 0 ? 0 : cumulated[first - 1];
      long width = cumulated[first] - start;
      // Draw the second among the other servers' weight only: skip over the first one's range.
      long r = random.nextLong(total - width);
      second = owner(cumulated, r >= start ? r + width : r);
    }
    Backend a = candidates.get(first);
    Backend b = candidates.get(second);
    return (long) b.stats().active() * a.weight() < (long) a.stats().active() * b.weight() ? b : a;
  }

  /** The index whose range [end of the previous, own end) holds {@code slot}. */
  private static int owner(long[] cumulated, long slot) {
    int at = Arrays.binarySearch(cumulated, slot);
    return at >= 0 ? at + 1 : -at - 1;
  }

  private static long[] cumulatedWeights(List<Backend> candidates) {
    int w = candidates.get(0).weight();
    boolean equal = true;
    long[] cumulated = new long[candidates.size()];
    long sum = 0;
    for (int i = 0; i < cumulated.length; i++) {
      int weight = candidates.get(i).weight();
      equal &= weight == w;
      sum += weight;
      cumulated[i] = sum;
    }
    return equal ? null : cumulated;
  }
}
