package cloud.locci.proxy.core.upstream;

import static cloud.locci.proxy.core.upstream.Servers.equal;
import static cloud.locci.proxy.core.upstream.Servers.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.HashOn;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import cloud.locci.proxy.core.upstream.Servers.Ctx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The hash ring: stable keys, minimal movement when a server leaves, hash_on and its fallback. */
class ConsistentHashTest {

  private static final HashOn X_USER = HashOn.parse("header:X-User").orElseThrow();

  private final PreparedCache cache = new PreparedCache(PreparedCache.DEFAULT_BUDGET_BYTES);

  private ConsistentHash ring(HashOn on) {
    return new ConsistentHash(on, ConsistentHash.POINTS_PER_WEIGHT, cache);
  }

  private static Map<String, Backend> assign(Selector s, List<Backend> candidates, int keys,
      Function<String, Ctx> request) {
    Map<String, Backend> owner = new HashMap<>();
    for (int i = 0; i < keys; i++) {
      String key = "user-" + i;
      owner.put(key, s.pick(candidates, request.apply(key)));
    }
    return owner;
  }

  private static Ctx user(String id) {
    return Ctx.header("192.0.2.1", "X-User", id);
  }

  @Test
  void theSameKeyAlwaysGoesToTheSameServer() {
    List<Backend> servers = equal(5);
    ConsistentHash ch = ring(X_USER);
    Map<String, Backend> first = assign(ch, servers, 10_000, ConsistentHashTest::user);
    // Another process (its own registry and cache) with the same servers maps every key alike.
    ConsistentHash elsewhere = new ConsistentHash(X_USER, ConsistentHash.POINTS_PER_WEIGHT,
        new PreparedCache(PreparedCache.DEFAULT_BUDGET_BYTES));
    Map<String, Backend> again = assign(elsewhere, new ArrayList<>(servers), 10_000, ConsistentHashTest::user);

    assertThat(again).isEqualTo(first);
  }

  @Test
  void removingOneServerMovesOnlyItsKeysAndBringingItBackRestoresThem() {
    List<Backend> servers = equal(5);
    ConsistentHash ch = ring(X_USER);
    Map<String, Backend> before = assign(ch, servers, 10_000, ConsistentHashTest::user);
    Backend gone = servers.get(2);

    Map<String, Backend> after = assign(ch, Servers.without(servers, gone), 10_000, ConsistentHashTest::user);

    Set<Backend> receivers = new HashSet<>();
    int moved = 0;
    for (String key : before.keySet()) {
      if (before.get(key) == gone) {
        moved++;
        receivers.add(after.get(key));
      } else {
        assertThat(after.get(key)).as(key).isSameAs(before.get(key));
      }
    }
    assertThat(moved).isBetween(1_200, 2_800);
    assertThat(receivers).doesNotContain(gone).hasSizeGreaterThan(1);
    assertThat(assign(ch, servers, 10_000, ConsistentHashTest::user)).isEqualTo(before);
  }

  @Test
  void removingEachServerInTurnMovesOnlyThatServersKeys() {
    List<Backend> servers = weighted(1, 3, 2, 1);
    ConsistentHash ch = ring(HashOn.PATH);
    Function<String, Ctx> byPath = key -> Ctx.path("/" + key);
    Map<String, Backend> before = assign(ch, servers, 10_000, byPath);
    for (Backend gone : servers) {
      Map<String, Backend> after = assign(ch, Servers.without(servers, gone), 10_000, byPath);
      before.forEach((key, owner) -> {
        if (owner != gone) {
          assertThat(after.get(key)).as("%s without %s", key, gone).isSameAs(owner);
        }
      });
    }
  }

  @Test
  void keysSpreadEvenlyAndInProportionToWeight() {
    List<Backend> servers = equal(5);
    Map<Backend, Integer> counts = new HashMap<>();
    assign(ring(X_USER), servers, 10_000, ConsistentHashTest::user).values()
        .forEach(b -> counts.merge(b, 1, Integer::sum));
    for (Backend b : servers) {
      assertThat(counts.get(b)).as("%s", b).isBetween(1_400, 2_600);
    }

    List<Backend> heavyAndLight = weighted(3, 1);
    Map<Backend, Integer> split = new HashMap<>();
    assign(ring(X_USER), heavyAndLight, 10_000, ConsistentHashTest::user).values()
        .forEach(b -> split.merge(b, 1, Integer::sum));
    assertThat(split.get(heavyAndLight.get(0))).isBetween(6_800, 8_200);
  }

  @Test
  void hashOnPathIgnoresTheClient() {
    List<Backend> servers = equal(4);
    ConsistentHash ch = ring(HashOn.PATH);
    Set<Backend> used = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      Backend a = ch.pick(servers, new Ctx("192.0.2.1", "/items/" + i, Map.of()));
      Backend b = ch.pick(servers, new Ctx("198.51.100.7", "/items/" + i, Map.of("X-User", "x")));
      assertThat(b).isSameAs(a);
      used.add(a);
    }
    assertThat(used).hasSize(4);
  }

  @Test
  void hashOnClientIpIgnoresPathAndHeaders() {
    List<Backend> servers = equal(4);
    ConsistentHash ch = ring(HashOn.CLIENT_IP);
    Set<Backend> used = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String ip = "10.1." + (i / 100) + "." + (i % 100);
      Backend a = ch.pick(servers, new Ctx(ip, "/a", Map.of()));
      Backend b = ch.pick(servers, new Ctx(ip, "/b/" + i, Map.of("X-User", "u" + i)));
      assertThat(b).isSameAs(a);
      used.add(a);
    }
    assertThat(used).hasSize(4);
  }

  @Test
  void missingOrEmptyHeaderFallsBackToTheClientIp() {
    List<Backend> servers = equal(4);
    ConsistentHash byHeader = ring(X_USER);
    ConsistentHash byIp = ring(HashOn.CLIENT_IP);
    for (int i = 0; i < 200; i++) {
      String ip = "10.2.0." + i;
      Backend expected = byIp.pick(servers, Ctx.ip(ip));
      assertThat(byHeader.key(Ctx.ip(ip))).isEqualTo(ip);
      assertThat(byHeader.pick(servers, Ctx.ip(ip))).isSameAs(expected);
      assertThat(byHeader.pick(servers, Ctx.header(ip, "X-User", ""))).isSameAs(expected);
    }
    assertThat(byHeader.key(Ctx.header("10.2.0.1", "X-User", "alice"))).isEqualTo("alice");
  }

  @Test
  void ringSizeIsBoundedForGroupsWithLargeWeights() {
    assertThat(ConsistentHash.pointsPerWeight(List.of(ServerEntry.of("10.0.0.1:80")))).isEqualTo(160);
    List<ServerEntry> heavy = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      heavy.add(new ServerEntry(cloud.locci.proxy.core.config.ServerAddress.parse("10.0.0." + i + ":80"), 1000));
    }
    int perWeight = ConsistentHash.pointsPerWeight(heavy);
    assertThat(perWeight).isEqualTo(6);

    int[] weights = new int[20];
    java.util.Arrays.fill(weights, 1000);
    ConsistentHash ch = new ConsistentHash(X_USER, perWeight, cache);
    ConsistentHash.Ring ring = ch.ring(weighted(weights));
    assertThat(ring.size()).isEqualTo(120_000).isLessThanOrEqualTo(ConsistentHash.MAX_RING_POINTS);
    assertThat(ring.bytes()).isLessThan(1_100_000);
  }

  @Test
  void aServerDownInTheHealthViewMovesOnlyItsKeysAndTheRingIsSharedByInstances() {
    UpstreamConfig app = UpstreamConfig.of("app", List.of(ServerEntry.of("10.0.0.1:80"),
            ServerEntry.of("10.0.0.2:80"), ServerEntry.of("10.0.0.3:80")))
        .withStrategy(Strategy.CONSISTENT_HASH);
    app = new UpstreamConfig(app.name(), app.servers(), app.strategy(), X_USER, false, app.sni(), true,
        app.caPath(), app.healthCheck(), app.passive(), app.maxConnectionsPerServer(), app.connectTimeoutSecs());
    ProxyConfig config = ProxyConfigs.withUpstream(app);
    UpstreamRegistry registry = new UpstreamRegistry();
    UpstreamGroup all = Upstreams.build(config, HealthView.ALL_HEALTHY, registry).group("app").orElseThrow();
    HealthView twoDown = HealthView.ALL_HEALTHY.with("app", app.servers().get(1).address(), false);
    UpstreamGroup partial = Upstreams.build(config, twoDown, registry).group("app").orElseThrow();

    for (int i = 0; i < 3_000; i++) {
      Ctx request = user("u" + i);
      Backend before = all.select(request, List.of()).orElseThrow();
      Backend after = partial.select(request, List.of()).orElseThrow();
      if (!before.address().equals(app.servers().get(1).address())) {
        assertThat(after.address()).isEqualTo(before.address());
      } else {
        assertThat(after.address()).isNotEqualTo(before.address());
      }
    }
    // A retry avoids the server that failed: the key goes to the next server on the ring.
    Backend first = all.select(user("u1"), List.of()).orElseThrow();
    assertThat(all.select(user("u1"), List.of(first)).orElseThrow()).isNotEqualTo(first);

    ConsistentHash a = (ConsistentHash) Upstreams.selector(app, registry);
    ConsistentHash b = (ConsistentHash) Upstreams.selector(app, registry);
    assertThat(a.ring(all.healthy())).isSameAs(b.ring(
        Upstreams.build(config, HealthView.ALL_HEALTHY, registry).group("app").orElseThrow().healthy()));
  }

  @Test
  void hashIsStableAcrossVersions() {
    // Changing the hash would move every key of every running deployment on upgrade: pin it.
    assertThat(Hashing.hash64("")).isEqualTo(Hashing.mix64(0xcbf29ce484222325L));
    assertThat(Hashing.hash64("127.0.0.1")).isEqualTo(PINNED_127_0_0_1);
  }

  /** FNV-1a 64 of the UTF-16 units, then MurmurHash3's fmix64 (checked against an independent script). */
  private static final long PINNED_127_0_0_1 = -3540326682743178462L;
}
