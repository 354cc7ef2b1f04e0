package cloud.locci.proxy.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-route counts of the last minute, with explicit times. */
class RouteTrafficTest {

  private static final long SEC = 1_000_000_000L;
  private static final long T0 = 1_000 * SEC;

  @Test
  void countsRequestsAndErrorsOfTheLastSixtySecondsOnly() {
    RouteTraffic traffic = new RouteTraffic();
    traffic.record("api", false, T0);
    traffic.record("api", true, T0 + SEC / 2);
    traffic.record("api", false, T0 + 30 * SEC);
    traffic.record("web", true, T0 + 59 * SEC);
    assertThat(traffic.lastMinute("api", T0 + 59 * SEC)).isEqualTo(new RouteTraffic.Totals(3, 1));
    assertThat(traffic.lastMinute("web", T0 + 59 * SEC)).isEqualTo(new RouteTraffic.Totals(1, 1));
    // One second later the first second has left the window.
    assertThat(traffic.lastMinute("api", T0 + 60 * SEC)).isEqualTo(new RouteTraffic.Totals(1, 0));
    assertThat(traffic.lastMinute("api", T0 + 91 * SEC)).isEqualTo(RouteTraffic.Totals.NONE);
    assertThat(traffic.lastMinute("unknown", T0)).isEqualTo(RouteTraffic.Totals.NONE);
  }

  @Test
  void aSlotReusedAfterALapStartsFromZero() {
    RouteTraffic traffic = new RouteTraffic();
    for (int i = 0; i < 5; i++) {
      traffic.record("api", true, T0);
    }
    // 64 seconds later the same slot of the ring counts the new second only.
    traffic.record("api", false, T0 + 64 * SEC);
    assertThat(traffic.lastMinute("api", T0 + 64 * SEC)).isEqualTo(new RouteTraffic.Totals(1, 0));
    // A writer a whole ring late does not overwrite the newer second.
    traffic.record("api", true, T0);
    assertThat(traffic.lastMinute("api", T0 + 64 * SEC)).isEqualTo(new RouteTraffic.Totals(1, 0));
  }

  @Test
  void retainForgetsRoutesTheConfigNoLongerHasButKeepsTheUnnamedOne() {
    RouteTraffic traffic = new RouteTraffic();
    traffic.record("old", false, T0);
    traffic.record("kept", false, T0);
    traffic.record("", false, T0);
    traffic.retain(List.of("kept"));
    assertThat(traffic.lastMinute("old", T0)).isEqualTo(RouteTraffic.Totals.NONE);
    assertThat(traffic.lastMinute("kept", T0).requests()).isEqualTo(1);
    assertThat(traffic.lastMinute("", T0).requests()).isEqualTo(1);
  }

  @Test
  void concurrentWritersAcrossSecondBoundariesLoseNoCount() throws Exception {
    RouteTraffic traffic = new RouteTraffic();
    int threads = 4;
    int perThread = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < perThread; i++) {
            // Ten seconds, each begun by whichever thread gets there first.
            traffic.record("api", i % 10 == 0, T0 + (i * 10L / perThread) * SEC);
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(traffic.lastMinute("api", T0 + 10 * SEC))
        .isEqualTo(new RouteTraffic.Totals((long) threads * perThread, (long) threads * perThread / 10));
  }
}
