package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of picking a server for one request with each strategy, over 10 weighted servers, from two
 * threads at once (the shared cursors and counters are contended as on two event loops).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class SelectionBenchmark {

  @Param({"round_robin", "weighted_round_robin", "least_connections", "random_two_choices", "consistent_hash"})
  String strategy;

  UpstreamGroup group;

  static final SelectionContext CONTEXT = new SelectionContext() {
    @Override
    public String clientIp() {
      return "192.0.2.17";
    }

    @Override
    public String path() {
      return "/api/users/42";
    }

    @Override
    public String header(String name) {
      return null;
    }
  };

  @Setup
  public void setUp() throws Exception {
    StringBuilder servers = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      servers.append(i == 0 ? "" : ", ").append("{ address: \"10.0.0.").append(i + 1).append(":8080\", weight: ")
          .append(1 + i % 3).append(" }");
    }
    ProxyConfig config = ConfigLoader.parse("""
        mode: load_balancer
        upstreams:
          app:
            servers: [%s]
            strategy: %s
        load_balancer: { upstream: app }
        """.formatted(servers, strategy), "bench.yaml", ConfigOverrides.none());
    group = Upstreams.build(config, HealthView.ALL_HEALTHY, UpstreamRegistry.standalone()).group("app").orElseThrow();
  }

  @Benchmark
  public Backend pick() {
    return group.select(CONTEXT, List.of()).orElseThrow();
  }
}
