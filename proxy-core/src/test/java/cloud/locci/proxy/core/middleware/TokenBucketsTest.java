package cloud.locci.proxy.core.middleware;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.middleware.TokenBuckets.Take;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final AtomicLong clock = new AtomicLong(123 * SECOND);

  private TokenBuckets buckets(int perMinute, int burst, int maxKeys) {
    return new TokenBuckets(perMinute, burst, maxKeys, clock::get);
  }

  @Test
  void startsFullServesTheBurstThenRefusesWithTheWaitForOneToken() {
    TokenBuckets b = buckets(60, 3, 1000);

    assertThat(b.take("k")).isEqualTo(new Take(true, 2, 0));
    assertThat(b.take("k")).isEqualTo(new Take(true, 1, 0));
    assertThat(b.take("k")).isEqualTo(new Take(true, 0, 0));
    assertThat(b.take("k")).isEqualTo(new Take(false, 0, SECOND));
    // A refused request takes nothing: the wait does not grow.
    assertThat(b.take("k")).isEqualTo(new Take(false, 0, SECOND));
  }

  @Test
  void refillsAtRequestsPerMinuteOverSixtyAndNeverBeyondTheBurst() {
    TokenBuckets b = buckets(120, 4, 1000); // one token every 500 ms
    for (int i = 0; i < 4; i++) {
      assertThat(b.take("k").allowed()).isTrue();
    }
    clock.addAndGet(SECOND / 2);
    assertThat(b.take("k")).isEqualTo(new Take(true, 0, 0));
    clock.addAndGet(SECOND / 5);
    assertThat(b.take("k")).isEqualTo(new Take(false, 0, 300_000_000L));

    clock.addAndGet(60 * SECOND);
    assertThat(b.take("k")).isEqualTo(new Take(true, 3, 0));
  }

  @Test
  void keysHaveTheirOwnBuckets() {
    TokenBuckets b = buckets(60, 2, 1000);
    b.take("a");
    b.take("a");
    assertThat(b.take("a").allowed()).isFalse();
    assertThat(b.take("b")).isEqualTo(new Take(true, 1, 0));
  }

  @Test
  void concurrentTakersGetExactlyTheBurst() throws Exception {
    TokenBuckets b = buckets(1, 1000, 1000);
    AtomicInteger allowed = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < 1000; i++) {
          if (b.take("shared").allowed()) {
            allowed.incrementAndGet();
          }
        }
      });
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(allowed.get()).isEqualTo(1000);
  }

  @Test
  void aFloodOfDistinctKeysStaysWithinTheDefaultBound() {
    TokenBuckets b = new TokenBuckets(60, 10, TokenBuckets.DEFAULT_MAX_KEYS, clock::get);
    int largest = 0;
    for (int i = 0; i < 250_000; i++) {
      b.take("flood-" + i);
      largest = Math.max(largest, b.size());
      if (i % 1000 == 0) {
        clock.addAndGet(SECOND / 100);
      }
    }
    assertThat(largest).isLessThanOrEqualTo(TokenBuckets.DEFAULT_MAX_KEYS);
    assertThat(b.size()).isLessThanOrEqualTo(TokenBuckets.DEFAULT_MAX_KEYS);
  }

  @Test
  void fullBucketsGoFirstAndABucketInDebtKeepsItsDebt() {
    TokenBuckets b = buckets(60, 5, 100);
    for (int i = 0; i < 5; i++) {
      b.take("hot");
    }
    for (int i = 0; i < 50; i++) {
      b.take("idle-" + i);
    }
    clock.addAndGet(2 * SECOND); // the idle buckets are full again, "hot" still owes 3 s
    for (int i = 0; i < 60; i++) {
      b.take("new-" + i);
    }

    assertThat(b.size()).isEqualTo(61); // 1 hot + 60 new: the 50 full ones were swept at 101 keys
    // Still in debt: a fresh bucket would have said 4 remaining.
    assertThat(b.take("hot")).isEqualTo(new Take(true, 1, 0));
  }

  @Test
  void underPressureTheBucketsNearestToFullAreEvictedFirst() {
    TokenBuckets b = buckets(60, 5, 100);
    for (int i = 0; i < 5; i++) {
      b.take("hot");
    }
    for (int i = 0; i < 150; i++) {
      b.take("one-request-" + i);
    }

    assertThat(b.size()).isLessThanOrEqualTo(100);
    assertThat(b.take("hot").allowed()).as("the most indebted bucket survives").isFalse();
  }

  @Test
  void anEvictedKeyStartsAgainWithAFullBucket() {
    TokenBuckets b = buckets(60, 2, 10);
    b.take("k");
    b.take("k");
    clock.addAndGet(10 * SECOND);
    for (int i = 0; i < 11; i++) {
      b.take("other-" + i);
    }
    assertThat(b.take("k")).isEqualTo(new Take(true, 1, 0));
  }
}
