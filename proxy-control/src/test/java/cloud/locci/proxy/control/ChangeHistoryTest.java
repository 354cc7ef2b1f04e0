package cloud.locci.proxy.control;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.bus.ReloadOutcome;
import cloud.locci.proxy.core.config.ConfigDiff;
import cloud.locci.proxy.core.config.ConfigError;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The history of config events, whichever of a reload's two events comes first. */
class ChangeHistoryTest {

  private static final ConfigDiff ROUTE_ADDED = new ConfigDiff(
      new ConfigDiff.Changes(List.of("web"), List.of(), List.of()), ConfigDiff.Changes.NONE, ConfigDiff.Changes.NONE,
      List.of());

  private final ChangeHistory history = new ChangeHistory(Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"),
      ZoneOffset.UTC));

  private static String summary(ChangeHistory.Entry e) {
    return e.source().word + " " + e.result().word + " " + e.version();
  }

  @Test
  void aReloadHeardAfterItsNewVersionClaimsIt() {
    history.changed(2, ROUTE_ADDED);
    history.reloaded(new ReloadOutcome(2, ROUTE_ADDED, List.of(), List.of("server.workers")));
    assertThat(history.entries()).extracting(ChangeHistoryTest::summary).containsExactly("reload applied 2");
    assertThat(history.entries().get(0).restartRequired()).containsExactly("server.workers");
  }

  @Test
  void aReloadHeardBeforeItsNewVersionIsRecordedOnce() {
    history.reloaded(new ReloadOutcome(2, ROUTE_ADDED, List.of(), List.of()));
    history.changed(2, ROUTE_ADDED);
    assertThat(history.entries()).extracting(ChangeHistoryTest::summary).containsExactly("reload applied 2");
  }

  @Test
  void apiChangesUnchangedAndRefusedReloadsAreKeptNewestFirst() {
    history.changed(2, ROUTE_ADDED);
    history.reloaded(new ReloadOutcome(2, ConfigDiff.NONE, List.of(), List.of()));
    history.reloaded(new ReloadOutcome(2, ConfigDiff.NONE, List.of(new ConfigError("c.yaml", 3, "mode", "bad")),
        List.of()));
    assertThat(history.entries()).extracting(ChangeHistoryTest::summary)
        .containsExactly("reload refused 2", "reload unchanged 2", "control_api applied 2");
    assertThat(history.entries().get(0).errors()).containsExactly("c.yaml:3: mode: bad");
    assertThat(history.json().getJsonObject(2).getString("at")).isEqualTo("2026-01-02T03:04:05Z");
  }

  @Test
  void keepsTheLastTwenty() {
    for (int v = 2; v < 40; v++) {
      history.changed(v, ROUTE_ADDED);
    }
    assertThat(history.entries()).hasSize(ChangeHistory.MAX);
    assertThat(history.entries().get(0).version()).isEqualTo(39);
    assertThat(history.entries().get(19).version()).isEqualTo(20);
  }
}
