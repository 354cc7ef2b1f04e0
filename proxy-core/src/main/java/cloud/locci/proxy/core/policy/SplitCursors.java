package cloud.locci.proxy.core.policy;

import cloud.locci.proxy.core.config.RoutePolicies.SplitEntry;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The position of every route's split in its weighted sequence, process-wide: one per Vert.x instance,
 * shared by every proxy verticle instance (as the upstream strategies' state in {@code UpstreamRegistry}),
 * so consecutive requests follow one sequence whatever event loop serves them. A cursor is keyed by the
 * route's name and its split, so a reload that keeps a route's split keeps its position, and a changed
 * split starts its new sequence at the beginning.
 */
public final class SplitCursors implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "split-cursors";
  // Splits of replaced configs stay until this many exist; then the map starts over (a live routing table
  // holds its own cursors, so only the position of the next reload's unchanged splits is lost).
  private static final int MAX_ENTRIES = 10_000;

  private record Key(String route, List<SplitEntry> split) {}

  private final ConcurrentHashMap<Key, AtomicLong> cursors = new ConcurrentHashMap<>();

  SplitCursors() {}

  /** The cursors of {@code vertx}'s process, created on first use. */
  public static SplitCursors of(Vertx vertx) {
    LocalMap<String, SplitCursors> map = vertx.sharedData().getLocalMap(MAP);
    SplitCursors fresh = new SplitCursors();
    SplitCursors existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** Cursors of their own, for {@code explain} outside a running proxy and for tests. */
  public static SplitCursors standalone() {
    return new SplitCursors();
  }

  /** The cursor of route {@code route} with split {@code split}. */
  public AtomicLong cursor(String route, List<SplitEntry> split) {
    Key key = new Key(route, List.copyOf(split));
    AtomicLong c = cursors.get(key);
    if (c != null) {
      return c;
    }
    if (cursors.size() >= MAX_ENTRIES) {
      cursors.clear();
    }
    return cursors.computeIfAbsent(key, k -> new AtomicLong());
  }
}
