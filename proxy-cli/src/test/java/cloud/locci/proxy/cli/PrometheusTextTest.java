package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The checkers of {@link PrometheusText} refuse what Prometheus would refuse. */
class PrometheusTextTest {

  private static final String GOOD = """
      # HELP x_total Things.
      # TYPE x_total counter
      x_total{a="1",b="q\\"uote"} 3.0
      # HELP h_seconds Times.
      # TYPE h_seconds histogram
      h_seconds_bucket{le="0.1"} 1
      h_seconds_bucket{le="+Inf"} 2
      h_seconds_count 2
      h_seconds_sum 0.3
      """;

  @Test
  void acceptsAValidExposition() throws Exception {
    assertThatCode(() -> PrometheusText.checkStrictly(GOOD)).doesNotThrowAnyException();
    Optional<Path> promtool = PrometheusText.promtool();
    if (promtool.isPresent()) {
      PrometheusText.checkWithPromtool(promtool.get(), GOOD);
    }
  }

  @Test
  void refusesBrokenExpositions() throws Exception {
    String[] broken = {
        "# TYPE y gauge\ny{a=1} 2\n",                       // unquoted label value
        "y 2\n",                                            // sample before its TYPE
        "# TYPE y gauge\ny 2\ny 3\n",                       // duplicate series
        "# TYPE y gauge\ny two\n",                          // not a number
        GOOD.replace("h_seconds_count 2", "h_seconds_count 5"), // +Inf bucket differs from count
    };
    for (String text : broken) {
      assertThatThrownBy(() -> PrometheusText.checkStrictly(text)).as(text).isInstanceOf(AssertionError.class);
    }
    Optional<Path> promtool = PrometheusText.promtool();
    if (promtool.isPresent()) {
      assertThatThrownBy(() -> PrometheusText.checkWithPromtool(promtool.get(), broken[0]))
          .isInstanceOf(AssertionError.class);
    }
  }
}
