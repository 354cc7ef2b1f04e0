package cloud.locci.proxy.core.upstream;

import static cloud.locci.proxy.core.upstream.Servers.count;
import static cloud.locci.proxy.core.upstream.Servers.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import cloud.locci.proxy.core.upstream.Servers.Ctx;
import cloud.locci.proxy.core.upstream.WeightedRoundRobin.Interleaved;
import cloud.locci.proxy.core.upstream.WeightedRoundRobin.Plan;
import cloud.locci.proxy.core.upstream.WeightedRoundRobin.Smooth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Smooth weighted round robin: nginx's sequence, exact counts, shared cursor, bounded memory. */
class WeightedRoundRobinTest {

  private final PreparedCache cache = new PreparedCache(PreparedCache.DEFAULT_BUDGET_BYTES);

  private WeightedRoundRobin selector() {
    return new WeightedRoundRobin(new AtomicLong(), cache);
  }

  private static String letters(Selector s, List<Backend> candidates, int n) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < n; i++) {
      out.append((char) ('a' + candidates.indexOf(s.pick(candidates, Ctx.NONE))));
    }
    return out.toString();
  }

  @Test
  void weightsFiveOneOneGiveNginxSequence() {
    List<Backend> servers = weighted(5, 1, 1);

    assertThat(letters(selector(), servers, 21)).isEqualTo("aabacaa".repeat(3));
  }

  @Test
  void sevenHundredPicksOfFiveOneOneAreExactlyFiveHundredHundredHundred() {
    List<Backend> servers = weighted(5, 1, 1);

    Map<Backend, Integer> counts = count(selector(), servers, 700);

    assertThat(counts).containsExactlyInAnyOrderEntriesOf(
        Map.of(servers.get(0), 500, servers.get(1), 100, servers.get(2), 100));
  }

  @Test
  void sequenceEqualsNginxRunningAlgorithmForManyWeightSets() {
    Random random = new Random(7);
    for (int round = 0; round < 300; round++) {
      int n = 1 + random.nextInt(8);
      int[] weights = new int[n];
      for (int i = 0; i < n; i++) {
        // Mostly small weights, sometimes multiples of a common factor (reduced by the gcd).
        weights[i] = (1 + random.nextInt(round % 3 == 0 ? 40 : 6)) * (round % 5 == 0 ? 4 : 1);
      }
      List<Backend> servers = weighted(weights);
      int total = java.util.Arrays.stream(weights).sum();

      String expected = nginx(weights, 2 * total);
      String actual = letters(selector(), servers, 2 * total);

      assertThat(actual).as("weights %s", java.util.Arrays.toString(weights)).isEqualTo(expected);
    }
  }

  /** nginx's ngx_http_upstream_get_peer, run with its state kept between requests, as nginx does. */
  private static String nginx(int[] weights, int picks) {
    int total = java.util.Arrays.stream(weights).sum();
    int[] current = new int[weights.length];
    StringBuilder out = new StringBuilder();
    for (int p = 0; p < picks; p++) {
      int best = -1;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (best == -1 || current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      out.append((char) ('a' + best));
    }
    return out.toString();
  }

  @Test
  void equalWeightsArePlainRoundRobin() {
    assertThat(letters(selector(), weighted(3, 3, 3), 9)).isEqualTo("abcabcabc");
  }

  @Test
  void picksFromManyThreadsAtOnceKeepExactCounts() throws Exception {
    List<Backend> servers = weighted(5, 1, 1);
    WeightedRoundRobin wrr = selector();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Map<Backend, Integer>>> parts = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        parts.add(pool.submit(() -> count(wrr, servers, 7_000)));
      }
      Map<Backend, Integer> total = new HashMap<>();
      for (Future<Map<Backend, Integer>> part : parts) {
        part.get().forEach((b, c) -> total.merge(b, c, Integer::sum));
      }

      assertThat(total).containsExactlyInAnyOrderEntriesOf(
          Map.of(servers.get(0), 20_000, servers.get(1), 4_000, servers.get(2), 4_000));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aServerLeavingTheCandidatesLeavesTheOthersInTheirWeights() {
    List<Backend> servers = weighted(5, 1, 1);
    List<Backend> twoLeft = Servers.without(servers, servers.get(1));

    Map<Backend, Integer> counts = count(selector(), twoLeft, 600);

    assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of(servers.get(0), 500, servers.get(2), 100));
  }

  @Test
  void periodTooLongToStoreIsInterleavedWithExactCountsAndSmallMemory() {
    int[] weights = new int[100];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = 1000 - i;
    }
    List<Backend> servers = weighted(weights);
    WeightedRoundRobin wrr = selector();
    Plan plan = wrr.plan(servers);
    assertThat(plan).isInstanceOf(Interleaved.class);
    assertThat(plan.period()).isEqualTo(95_050);
    assertThat(plan.bytes()).isLessThan(2_000);

    Map<Backend, Integer> counts = count(wrr, servers, 95_050);
    for (int i = 0; i < weights.length; i++) {
      assertThat(counts.get(servers.get(i))).isEqualTo(weights[i]);
    }
    // Spread, not blocks in server order: 200 consecutive picks reach most servers.
    Set<Backend> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      seen.add(wrr.pick(servers, Ctx.NONE));
    }
    assertThat(seen.size()).isGreaterThan(60);
  }

  @Test
  void sequenceTooCostlyToComputeIsInterleavedToo() {
    int[] weights = new int[200];
    java.util.Arrays.fill(weights, 200);
    weights[0] = 199;
    // Period 39,999 fits, but 39,999 × 200 steps exceed the budget.
    assertThat(WeightedRoundRobin.plan(weights)).isInstanceOf(Interleaved.class);
    assertThat(WeightedRoundRobin.plan(new int[] {1000, 999, 998})).isInstanceOf(Smooth.class);
  }

  @Test
  void commonFactorIsReducedLikeNginx() {
    Plan plan = WeightedRoundRobin.plan(new int[] {500, 100, 100});

    assertThat(plan.period()).isEqualTo(7);
    assertThat(letters(selector(), weighted(500, 100, 100), 7)).isEqualTo("aabacaa");
  }

  @Test
  void everyInstanceAndEveryReloadSharesOneRotationAndOneSequence() {
    UpstreamRegistry registry = new UpstreamRegistry();
    UpstreamConfig app = UpstreamConfig.of("app", List.of(
            new ServerEntry(cloud.locci.proxy.core.config.ServerAddress.parse("10.0.0.1:80"), 5),
            ServerEntry.of("10.0.0.2:80"), ServerEntry.of("10.0.0.3:80")))
        .withStrategy(Strategy.WEIGHTED_ROUND_ROBIN);
    ProxyConfig config = ProxyConfigs.withUpstream(app);
    // Two proxy instances build their own snapshot; a reload builds a third.
    UpstreamGroup first = Upstreams.build(config, HealthView.ALL_HEALTHY, registry).group("app").orElseThrow();
    UpstreamGroup second = Upstreams.build(config, HealthView.ALL_HEALTHY, registry).group("app").orElseThrow();

    StringBuilder seen = new StringBuilder();
    for (int i = 0; i < 7; i++) {
      UpstreamGroup g = i % 2 == 0 ? first : second;
      seen.append(g.select(Ctx.NONE, List.of()).orElseThrow().address().host().charAt(7));
    }
    UpstreamGroup reloaded = Upstreams.build(config, HealthView.ALL_HEALTHY, registry).group("app").orElseThrow();
    for (int i = 0; i < 7; i++) {
      seen.append(reloaded.select(Ctx.NONE, List.of()).orElseThrow().address().host().charAt(7));
    }

    assertThat(seen.toString()).isEqualTo("1121311".repeat(2));
    // One sequence for the list, whichever instance or snapshot asked.
    assertThat(registry.prepared().size()).isEqualTo(1);
    WeightedRoundRobin a = (WeightedRoundRobin) Upstreams.selector(app, registry);
    WeightedRoundRobin b = (WeightedRoundRobin) Upstreams.selector(app, registry);
    assertThat(a.plan(first.healthy())).isSameAs(b.plan(second.healthy()));
  }
}
