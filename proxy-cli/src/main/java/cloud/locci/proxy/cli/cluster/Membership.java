package cloud.locci.proxy.cli.cluster;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.CurrentConfig;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.cluster.LiveMembers;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is in the cluster, as this node sees it: every node publishes a heartbeat (its id, address and
 * config version) each second on the cluster's event bus. A node heard from in the last
 * {@value #ALIVE_MS} ms is live and healthy; one silent longer is listed as unhealthy, and dropped after
 * {@value #FORGET_MS} ms (a killed node disappears within 15 s, as SPEC §9 asks, and Hazelcast removes
 * it within {@value HazelcastSettings#MEMBER_TIMEOUT_SECS} s).
 *
 * <p>The number of live nodes goes to {@link LiveMembers} on every change, so that {@code scope: cluster}
 * rate limits rebalance within about three seconds of a join or a leave without any per-request network
 * call. The member list answers {@link Addresses#CLUSTER_MEMBERS} (for {@code GET /api/v1/cluster}).
 *
 * <p>Runs on the cluster's Vert.x instance; its table is touched on that one context only.
 */
public final class Membership extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(Membership.class);

  static final String HEARTBEAT = "locci.cluster.heartbeat";
  static final long BEAT_MS = 1_000;
  static final long ALIVE_MS = 3_500;
  static final long FORGET_MS = 10_000;

  private final Vertx proxy;
  private final ClusterNode node;
  private final LiveMembers live;
  private final CurrentConfig current;
  private final Map<String, Seen> others = new HashMap<>();
  private volatile JsonObject members = new JsonObject().put("members", new JsonArray());
  private int lastLive = 1;

  private record Seen(String address, long configVersion, long atNanos) {}

  /** @param proxy the proxy's Vert.x: its rate limits read the live count, its control API the list */
  public Membership(Vertx proxy, ClusterNode node) {
    this.proxy = proxy;
    this.node = node;
    this.live = LiveMembers.of(proxy);
    this.current = CurrentConfig.of(proxy);
  }

  @Override
  public Future<?> start() {
    refresh();
    return Future.all(
            vertx.eventBus().<JsonObject>consumer(HEARTBEAT, msg -> heard(msg.body())).completion(),
            // The snapshot is immutable once published: replying from the proxy's event loop is safe.
            proxy.eventBus().localConsumer(Addresses.CLUSTER_MEMBERS, msg -> msg.reply(members)).completion())
        .onSuccess(v -> {
          beat();
          vertx.setPeriodic(BEAT_MS, id -> {
            beat();
            refresh();
          });
        });
  }

  private long configVersion() {
    VersionedConfig c = current.get();
    return c == null ? 0 : c.version();
  }

  private void beat() {
    vertx.eventBus().publish(HEARTBEAT, new JsonObject()
        .put("id", node.id())
        .put("address", node.address())
        .put("config_version", configVersion()));
  }

  private void heard(JsonObject beat) {
    String id = beat.getString("id");
    if (id == null || id.equals(node.id())) {
      return;
    }
    Seen before = others.put(id, new Seen(beat.getString("address", "?"), beat.getLong("config_version", 0L),
        System.nanoTime()));
    if (before == null || isSilent(before, System.nanoTime())) {
      log.info("cluster member {} at {} is live", id, beat.getString("address"));
      refresh();
    }
  }

  private static boolean isSilent(Seen s, long now) {
    return now - s.atNanos() > TimeUnit.MILLISECONDS.toNanos(ALIVE_MS);
  }

  /** Drops long-silent members, recounts the live ones, and publishes the new list. */
  private void refresh() {
    long now = System.nanoTime();
    others.entrySet().removeIf(e -> {
      boolean gone = now - e.getValue().atNanos() > TimeUnit.MILLISECONDS.toNanos(FORGET_MS);
      if (gone) {
        log.info("cluster member {} at {} is gone", e.getKey(), e.getValue().address());
      }
      return gone;
    });
    List<JsonObject> list = new ArrayList<>();
    list.add(member(node.id(), node.address(), configVersion(), true));
    int liveCount = 1;
    for (Map.Entry<String, Seen> e : others.entrySet()) {
      boolean healthy = !isSilent(e.getValue(), now);
      if (healthy) {
        liveCount++;
      }
      list.add(member(e.getKey(), e.getValue().address(), e.getValue().configVersion(), healthy));
    }
    list.sort(Comparator.comparing((JsonObject m) -> m.getString("address")));
    members = new JsonObject().put("members", new JsonArray(new ArrayList<>(list)));
    live.set(liveCount);
    if (liveCount != lastLive) {
      log.info("{} live cluster member(s) (was {}): cluster-scoped rate limits now give this node 1/{} of their"
          + " budget", liveCount, lastLive, liveCount);
      lastLive = liveCount;
    }
  }

  private static JsonObject member(String id, String address, long version, boolean healthy) {
    return new JsonObject().put("id", id).put("address", address).put("config_version", version)
        .put("healthy", healthy);
  }
}
