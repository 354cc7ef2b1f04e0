package cloud.locci.proxy.control;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost the dashboard's per-route counts add to each request ({@link RouteTraffic#record}, called by
 * {@code ProxyMetrics.onComplete}), from two threads on one route (the same slot contended, as two event
 * loops serving one hot route), with the clock read as the metrics do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class RouteTrafficBenchmark {

  final RouteTraffic traffic = new RouteTraffic();

  @Benchmark
  public void recordOneExchange() {
    traffic.record("users", false, System.nanoTime());
  }

  @Benchmark
  public long clockOnly() {
    return System.nanoTime();
  }
}
