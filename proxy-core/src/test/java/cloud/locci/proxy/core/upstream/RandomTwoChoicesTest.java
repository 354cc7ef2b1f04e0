package cloud.locci.proxy.core.upstream;

import static cloud.locci.proxy.core.upstream.Servers.busy;
import static cloud.locci.proxy.core.upstream.Servers.count;
import static cloud.locci.proxy.core.upstream.Servers.equal;
import static cloud.locci.proxy.core.upstream.Servers.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Power of two choices. Random strategies are checked on structure (what can never be picked) or with
 * tolerances of many standard deviations, so they cannot fail by chance.
 */
class RandomTwoChoicesTest {

  private final RandomTwoChoices p2c = new RandomTwoChoices();

  @Test
  void ofTwoServersTheLessLoadedAlwaysWins() {
    List<Backend> servers = equal(2);
    busy(servers.get(0), 3);

    assertThat(count(p2c, servers, 1_000)).containsExactlyEntriesOf(Map.of(servers.get(1), 1_000));
  }

  @Test
  void theBusiestServerIsNeverPickedWhileOthersAreLessLoaded() {
    List<Backend> servers = equal(3);
    busy(servers.get(0), 10);
    busy(servers.get(2), 1);

    Map<Backend, Integer> counts = count(p2c, servers, 10_000);

    assertThat(counts).doesNotContainKey(servers.get(0));
    // Server 2 (idle) wins every draw it is part of; server 3 only draws against the busiest.
    assertThat(counts.get(servers.get(1))).isGreaterThan(counts.getOrDefault(servers.get(2), 0));
  }

  @Test
  void idleServersShareEvenly() {
    List<Backend> servers = equal(3);

    Map<Backend, Integer> counts = count(p2c, servers, 30_000);

    // Expected 10,000 each, standard deviation about 82.
    for (Backend b : servers) {
      assertThat(counts.get(b)).isBetween(9_000, 11_000);
    }
  }

  @Test
  void idleServersShareInProportionToTheirWeights() {
    List<Backend> servers = weighted(3, 1);

    Map<Backend, Integer> counts = count(p2c, servers, 40_000);

    // Expected 30,000 / 10,000, standard deviation about 87.
    assertThat(counts.get(servers.get(0))).isBetween(28_500, 31_500);
  }

  @Test
  void theTwoDrawsAreAlwaysDifferentServersEvenWithVeryUnequalWeights() {
    List<Backend> servers = weighted(1000, 1);
    busy(servers.get(0), 1);

    // Were the heavy server ever drawn twice, it would be picked despite being the busier one.
    assertThat(count(p2c, servers, 5_000)).containsExactlyEntriesOf(Map.of(servers.get(1), 5_000));
  }

  @Test
  void loadIsComparedPerUnitOfWeight() {
    List<Backend> servers = weighted(10, 1);
    busy(servers.get(0), 5);
    busy(servers.get(1), 1);

    // 5/10 < 1/1
    assertThat(count(p2c, servers, 1_000)).containsExactlyEntriesOf(Map.of(servers.get(0), 1_000));
  }

  @Test
  void aSingleCandidateIsPicked() {
    List<Backend> one = equal(1);
    busy(one.get(0), 5);

    assertThat(p2c.pick(one, Servers.Ctx.NONE)).isSameAs(one.get(0));
  }
}
