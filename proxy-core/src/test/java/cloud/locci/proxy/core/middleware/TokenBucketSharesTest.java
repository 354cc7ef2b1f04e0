package cloud.locci.proxy.core.middleware;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A {@code scope: cluster} limit: each node enforces the budget divided by the live nodes. */
class TokenBucketSharesTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final AtomicLong clock = new AtomicLong(50 * SECOND);
  private final AtomicInteger live = new AtomicInteger(3);
  private final TokenBuckets buckets = new TokenBuckets(600, 600, live::get, 1000, clock::get);

  private int admitted(String key, int tries) {
    int n = 0;
    for (int i = 0; i < tries; i++) {
      if (buckets.take(key).allowed()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void eachOfThreeNodesHasAThirdOfTheBurstAndOfTheRate() {
    assertThat(buckets.capacity()).isEqualTo(200);
    assertThat(buckets.capacityText()).isEqualTo("200");
    assertThat(admitted("a", 1000)).isEqualTo(200);

    // 600/min shared by 3 is 200/min here: one token every 300 ms.
    clock.addAndGet(SECOND);
    assertThat(admitted("a", 10)).isEqualTo(3);
  }

  @Test
  void aNodeLeavingRebalancesTheShareWithoutForgettingDebts() {
    assertThat(admitted("a", 1000)).isEqualTo(200);

    live.set(2);
    assertThat(buckets.capacity()).isEqualTo(300);
    assertThat(admitted("fresh", 1000)).isEqualTo(300);
    // The emptied bucket stays empty: a new share is no free refill.
    assertThat(admitted("a", 10)).isZero();
    clock.addAndGet(SECOND);
    assertThat(admitted("a", 10)).isEqualTo(5);
  }

  @Test
  void aLoneNodeHasTheWholeBudget() {
    live.set(1);
    assertThat(admitted("a", 1000)).isEqualTo(600);
  }
}
