package cloud.locci.proxy.core.policy;

import cloud.locci.proxy.core.config.RoutePolicies.SplitEntry;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A route's {@code split} (SPEC §11): which upstream group serves each request. The smooth weighted
 * sequence of the weights (nginx's smooth weighted round robin, weights divided by their greatest common
 * divisor) is computed once per config version; each request takes the next position of a process-wide
 * cursor ({@link SplitCursors}), so any run of consecutive requests as long as the sequence, or a
 * multiple of it, splits exactly by the weights (any 100 consecutive requests of 90/10 go 90 and 10),
 * and the minority upstream's requests are spread out rather than bunched. Lock-free: one atomic
 * increment per request.
 *
 * <p>An upstream with no server in rotation (all down or ejected) is passed over for the next one in
 * the sequence that has one, so a dead canary does not turn its share into 503s; the split is exact
 * again once it is back.
 */
public final class SplitChooser {

  private final List<SplitEntry> entries;
  private final UpstreamGroup[] groups;
  /** Index into {@link #groups} per position. */
  private final byte[] sequence;
  private final AtomicLong cursor;

  private SplitChooser(List<SplitEntry> entries, UpstreamGroup[] groups, byte[] sequence, AtomicLong cursor) {
    this.entries = entries;
    this.groups = groups;
    this.sequence = sequence;
    this.cursor = cursor;
  }

  /**
   * Compiles a split whose entries name the given groups (same order).
   *
   * @param cursor the shared position of this route's split
   * @throws IllegalArgumentException when every weight is 0 (the validator refuses that first)
   */
  public static SplitChooser of(List<SplitEntry> entries, List<UpstreamGroup> groups, AtomicLong cursor) {
    if (entries.size() != groups.size() || entries.size() > 127) {
      throw new IllegalArgumentException("split of " + entries.size() + " entries with " + groups.size() + " groups");
    }
    return new SplitChooser(List.copyOf(entries), groups.toArray(new UpstreamGroup[0]),
        sequence(entries.stream().mapToInt(SplitEntry::weight).toArray()), cursor);
  }

  /**
   * The smooth weighted sequence of {@code weights}: per step every entry gains its weight, the largest
   * current value (first on ties) is chosen and loses the total. Its length is the sum of the weights
   * divided by their greatest common divisor.
   */
  static byte[] sequence(int[] weights) {
    int gcd = 0;
    for (int w : weights) {
      gcd = gcd(gcd, w);
    }
    if (gcd == 0) {
      throw new IllegalArgumentException("every split weight is 0");
    }
    int[] w = new int[weights.length];
    int total = 0;
    for (int i = 0; i < weights.length; i++) {
      w[i] = weights[i] / gcd;
      total += w[i];
    }
    byte[] out = new byte[total];
    int[] current = new int[w.length];
    for (int step = 0; step < total; step++) {
      int best = -1;
      for (int i = 0; i < w.length; i++) {
        if (w[i] == 0) {
          continue;
        }
        current[i] += w[i];
        if (best < 0 || current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      out[step] = (byte) best;
    }
    return out;
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  /** The group for the next request. */
  public UpstreamGroup choose() {
    return at(cursor.getAndIncrement());
  }

  /** The group the next request would get, without taking its turn ({@code explain}). */
  public UpstreamGroup peek() {
    return at(cursor.get());
  }

  private UpstreamGroup at(long position) {
    int n = sequence.length;
    int at = (int) Math.floorMod(position, (long) n);
    UpstreamGroup g = groups[sequence[at]];
    if (!g.healthy().isEmpty()) {
      return g;
    }
    for (int i = 1; i < n; i++) {
      UpstreamGroup next = groups[sequence[(at + i) % n]];
      if (!next.healthy().isEmpty()) {
        return next;
      }
    }
    return g;
  }

  /** The entries as configured. */
  public List<SplitEntry> entries() {
    return entries;
  }

  /** The groups in entry order. */
  public List<UpstreamGroup> groups() {
    return List.of(groups);
  }

  /** Each entry's share in percent of the requests (weight / total), for {@code explain}. */
  public List<Double> shares() {
    int total = entries.stream().mapToInt(SplitEntry::weight).sum();
    List<Double> out = new ArrayList<>();
    for (SplitEntry e : entries) {
      out.add(Math.round(e.weight() * 10000.0 / total) / 100.0);
    }
    return out;
  }
}
