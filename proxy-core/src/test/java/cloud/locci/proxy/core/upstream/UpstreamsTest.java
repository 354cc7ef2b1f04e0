package cloud.locci.proxy.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code strategy} key chooses the selector. */
class UpstreamsTest {

  @ParameterizedTest
  @CsvSource({
      "ROUND_ROBIN, RoundRobin",
      "WEIGHTED_ROUND_ROBIN, WeightedRoundRobin",
      "LEAST_CONNECTIONS, LeastConnections",
      "RANDOM_TWO_CHOICES, RandomTwoChoices",
      "CONSISTENT_HASH, ConsistentHash"})
  void strategyChoosesTheSelector(Strategy strategy, String selector) {
    UpstreamConfig u = UpstreamConfig.of("app", List.of(ServerEntry.of("10.0.0.1:80"))).withStrategy(strategy);

    assertThat(Upstreams.selector(u, new UpstreamRegistry()).getClass().getSimpleName()).isEqualTo(selector);
  }
}
