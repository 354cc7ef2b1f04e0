package cloud.locci.proxy.control;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reservation arithmetic of {@link FailedKeyThrottle}, with a clock the test moves. */
class FailedKeyThrottleTest {

  private static final long MS = 1_000_000;

  @Test
  void aBurstOfTenThenOneEveryHundredMilliseconds() {
    FailedKeyThrottle t = new FailedKeyThrottle();
    long now = 1_000_000_000L;
    for (int i = 0; i < 10; i++) {
      assertThat(t.reserve("a", now)).as("check %d", i).isZero();
    }
    assertThat(t.reserve("a", now)).isEqualTo(100 * MS);
    assertThat(t.reserve("a", now)).isEqualTo(200 * MS);
    assertThat(t.reserve("b", now)).as("another address is not slowed").isZero();
    // Twelve reservations: the next slot is 1200 ms after the start, less the burst of 900 ms.
    assertThat(t.reserve("a", now + 100 * MS)).as("100 ms later").isEqualTo(200 * MS);
    assertThat(t.reserve("a", now + 2000 * MS)).as("once the debt is paid").isZero();
  }

  @Test
  void successfulChecksGiveTheirSlotBack() {
    FailedKeyThrottle t = new FailedKeyThrottle();
    long now = 5_000_000_000L;
    for (int i = 0; i < 100; i++) {
      assertThat(t.reserve("a", now)).isZero();
      t.succeeded("a");
    }
  }
}
