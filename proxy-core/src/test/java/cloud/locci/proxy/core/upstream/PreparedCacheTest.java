package cloud.locci.proxy.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The process-wide cache of prepared structures: shared, and bounded in memory. */
class PreparedCacheTest {

  private record Blob(long bytes) implements PreparedCache.Sized {}

  @Test
  void aKeyIsBuiltOnceAndShared() {
    PreparedCache cache = new PreparedCache(1_000);
    AtomicInteger builds = new AtomicInteger();

    Blob first = cache.get("k", k -> {
      builds.incrementAndGet();
      return new Blob(10);
    });
    Blob second = cache.get("k", k -> {
      builds.incrementAndGet();
      return new Blob(10);
    });

    assertThat(second).isSameAs(first);
    assertThat(builds).hasValue(1);
  }

  @Test
  void passingTheBudgetStartsAfresh() {
    PreparedCache cache = new PreparedCache(1_000);
    for (int i = 0; i < 9; i++) {
      cache.get("k" + i, k -> new Blob(100));
    }
    assertThat(cache.size()).isEqualTo(9);

    cache.get("k9", k -> new Blob(100));
    cache.get("k10", k -> new Blob(100));

    assertThat(cache.size()).isLessThanOrEqualTo(1);
    Blob big = cache.get("huge", k -> new Blob(5_000));
    assertThat(big.bytes()).isEqualTo(5_000);
    assertThat(cache.size()).isZero();
  }
}
