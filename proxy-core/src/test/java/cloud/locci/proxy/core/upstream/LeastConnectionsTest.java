package cloud.locci.proxy.core.upstream;

import static cloud.locci.proxy.core.upstream.Servers.busy;
import static cloud.locci.proxy.core.upstream.Servers.count;
import static cloud.locci.proxy.core.upstream.Servers.equal;
import static cloud.locci.proxy.core.upstream.Servers.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import cloud.locci.proxy.core.upstream.Servers.Ctx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Least connections: fewest in flight per weight, ties shared, weights respected. */
class LeastConnectionsTest {

  private final LeastConnections lc =
      new LeastConnections(new AtomicLong(), new PreparedCache(PreparedCache.DEFAULT_BUDGET_BYTES));

  @Test
  void picksTheServerWithFewestRequestsInFlight() {
    List<Backend> servers = equal(3);
    busy(servers.get(0), 4);
    busy(servers.get(1), 1);
    busy(servers.get(2), 2);

    assertThat(count(lc, servers, 50)).containsExactlyEntriesOf(Map.of(servers.get(1), 50));
  }

  @Test
  void activeIsDividedByWeight() {
    List<Backend> servers = weighted(3, 1);
    busy(servers.get(0), 2);
    busy(servers.get(1), 1);
    // 2/3 < 1/1
    assertThat(lc.pick(servers, Ctx.NONE)).isSameAs(servers.get(0));

    busy(servers.get(0), 1);
    busy(servers.get(1), 1);
    // 3/3 < 2/1
    assertThat(lc.pick(servers, Ctx.NONE)).isSameAs(servers.get(0));

    busy(servers.get(0), 4);
    // 7/3 > 2/1
    assertThat(lc.pick(servers, Ctx.NONE)).isSameAs(servers.get(1));
  }

  @Test
  void idleServersTakeTurnsExactly() {
    List<Backend> servers = equal(3);
    List<Backend> seen = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      seen.add(lc.pick(servers, Ctx.NONE));
    }

    assertThat(seen).containsExactly(servers.get(0), servers.get(1), servers.get(2), servers.get(0),
        servers.get(1), servers.get(2), servers.get(0), servers.get(1), servers.get(2));
  }

  @Test
  void idleWeightedServersFollowTheSmoothWeightedSequence() {
    List<Backend> servers = weighted(5, 1, 1);
    StringBuilder seen = new StringBuilder();
    for (int i = 0; i < 14; i++) {
      seen.append((char) ('a' + servers.indexOf(lc.pick(servers, Ctx.NONE))));
    }

    assertThat(seen.toString()).isEqualTo("aabacaaaabacaa");
  }

  @Test
  void serversTiedForLeastShareTheLoadAndTheBusyOneGetsNothing() {
    List<Backend> servers = equal(3);
    busy(servers.get(0), 1);

    assertThat(count(lc, servers, 100)).containsExactlyInAnyOrderEntriesOf(
        Map.of(servers.get(1), 50, servers.get(2), 50));
  }

  @Test
  void tiedServersShareInProportionToTheirWeights() {
    List<Backend> servers = weighted(1, 2, 1);
    busy(servers.get(0), 1);

    assertThat(count(lc, servers, 300)).containsExactlyInAnyOrderEntriesOf(
        Map.of(servers.get(1), 200, servers.get(2), 100));
  }

  @Test
  void onlyHealthyServersAreCandidates() {
    UpstreamConfig app = UpstreamConfig.of("app",
            List.of(ServerEntry.of("10.0.0.1:80"), ServerEntry.of("10.0.0.2:80"), ServerEntry.of("10.0.0.3:80")))
        .withStrategy(Strategy.LEAST_CONNECTIONS);
    ProxyConfig config = ProxyConfigs.withUpstream(app);
    UpstreamRegistry registry = new UpstreamRegistry();
    HealthView oneDown = HealthView.ALL_HEALTHY.with("app", app.servers().get(0).address(), false);
    UpstreamGroup group = Upstreams.build(config, oneDown, registry).group("app").orElseThrow();

    for (int i = 0; i < 20; i++) {
      assertThat(group.select(Ctx.NONE, List.of()).orElseThrow().address())
          .isNotEqualTo(app.servers().get(0).address());
    }
  }
}
