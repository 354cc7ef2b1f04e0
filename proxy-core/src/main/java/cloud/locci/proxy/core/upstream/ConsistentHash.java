package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.UpstreamConfig.HashOn;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.upstream.PreparedCache.Member;
import java.util.Arrays;
import java.util.List;

/**
 * {@code consistent_hash}: a hash ring with virtual nodes, like nginx's {@code hash ... consistent}
 * (ketama). Each server owns {@value #POINTS_PER_WEIGHT} points per unit of weight on a 64-bit ring,
 * placed by hashing its {@code host:port}; a request's key is hashed and goes to the owner of the first
 * point at or after it, wrapping around.
 *
 * <p>The key is chosen by {@code hash_on}: {@code client_ip} (the default), {@code path} (without the
 * query string), or {@code header:NAME}; a request without that header, or with it empty, is hashed on
 * its client IP instead, so it still sticks to one server.
 *
 * <p>A server's points depend only on its own address and weight, so when a server leaves the
 * candidates (unhealthy, removed, or already tried by this request) only the keys it owned move, each to
 * the next point of another server, and every other key keeps its server; when it comes back its keys
 * return. The same addresses give the same mapping in every proxy process.
 *
 * <p>The number of points per weight unit is lowered for groups whose configured weights sum past
 * {@value #MAX_RING_POINTS} / 160, so that a ring never exceeds about {@value #MAX_RING_POINTS} points
 * (1 MiB). It is computed from the configured servers, not the healthy ones, so health changes never
 * change it.
 *
 * <p>Rings are built once per candidate list and shared by every proxy instance; a request costs one
 * hash of its key and one binary search, without allocation.
 */
final class ConsistentHash implements Selector {

  static final int POINTS_PER_WEIGHT = 160;
  static final int MAX_RING_POINTS = 1 << 17;

  /** Low bits of a ring entry hold the owner's candidate index; the high 44 bits are its position. */
  private static final int OWNER_BITS = 20;
  private static final long OWNER_MASK = (1L << OWNER_BITS) - 1;
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private final HashOn hashOn;
  private final CandidateMemo<Ring> rings;

  ConsistentHash(HashOn hashOn, int pointsPerWeight, PreparedCache cache) {
    this.hashOn = hashOn;
    this.rings = new CandidateMemo<>(
        candidates -> cache.get(new Key(Member.of(candidates), pointsPerWeight), Key::ring));
  }

  /** Points per weight unit for a group configured with {@code servers}: 160 unless the ring would be too big. */
  static int pointsPerWeight(List<ServerEntry> servers) {
    long total = 0;
    for (ServerEntry s : servers) {
      total += s.weight();
    }
    return (int) Math.max(1, Math.min(POINTS_PER_WEIGHT, MAX_RING_POINTS / Math.max(1, total)));
  }

  @Override
  public Backend pick(List<Backend> candidates, SelectionContext ctx) {
    Ring ring = rings.get(candidates);
    return candidates.get(ring.owner(Hashing.hash64(key(ctx))));
  }

  /** The text hashed for this request. */
  String key(SelectionContext ctx) {
    String key = switch (hashOn.kind()) {
      case CLIENT_IP -> ctx.clientIp();
      case PATH -> ctx.path();
      case HEADER -> {
        String value = ctx.header(hashOn.header());
        yield value == null || value.isEmpty() ? ctx.clientIp() : value;
      }
    };
    return key == null ? "" : key;
  }

  /** The ring for {@code candidates}, as {@link #pick} uses it (for tests). */
  Ring ring(List<Backend> candidates) {
    return rings.get(candidates);
  }

  private record Key(List<Member> members, int pointsPerWeight) {
    Ring ring() {
      return Ring.of(members, pointsPerWeight);
    }
  }

  /**
   * The sorted points of one candidate list. Each entry packs a point's position (high 44 bits of its
   * hash) and its owner's index, with the sign bit flipped so that Java's signed sort orders positions
   * as unsigned numbers. Points at the same position are ordered by candidate index, which removing
   * another candidate does not reorder.
   */
  static final class Ring implements PreparedCache.Sized {
    private final long[] points;

    private Ring(long[] points) {
      this.points = points;
    }

    static Ring of(List<Member> members, int pointsPerWeight) {
      if (members.size() > OWNER_MASK + 1) {
        throw new IllegalArgumentException("consistent_hash supports at most " + (OWNER_MASK + 1)
            + " servers per group, got " + members.size());
      }
      long total = 0;
      for (Member m : members) {
        total += (long) m.weight() * pointsPerWeight;
      }
      long[] points = new long[Math.toIntExact(total)];
      int k = 0;
      for (int i = 0; i < members.size(); i++) {
        Member m = members.get(i);
        long base = Hashing.hash64(m.address());
        long count = (long) m.weight() * pointsPerWeight;
        for (long j = 1; j <= count; j++) {
          // SplitMix64: distinct, well-spread positions from one hash of the address.
          long position = Hashing.mix64(base + j * GOLDEN_GAMMA);
          points[k++] = ((position & ~OWNER_MASK) | i) ^ Long.MIN_VALUE;
        }
      }
      Arrays.sort(points);
      return new Ring(points);
    }

    /** The candidate index owning {@code hash}: the first point at or after it, wrapping around. */
    int owner(long hash) {
      long probe = (hash & ~OWNER_MASK) ^ Long.MIN_VALUE;
      int at = Arrays.binarySearch(points, probe);
      if (at < 0) {
        at = -at - 1;
        if (at == points.length) {
          at = 0;
        }
      }
      return (int) ((points[at] ^ Long.MIN_VALUE) & OWNER_MASK);
    }

    int size() {
      return points.length;
    }

    @Override
    public long bytes() {
      return 16L + 8L * points.length;
    }
  }
}
