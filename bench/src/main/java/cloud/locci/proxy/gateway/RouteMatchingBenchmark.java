package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.upstream.HealthView;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import cloud.locci.proxy.core.upstream.Upstreams;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of matching one request against a routing table of N routes, for the request that matches the
 * route tried last (the worst case) and for one that matches nothing. Routes are a realistic mix:
 * literal prefixes ({@code ^/svc42/}) that the table checks with startsWith, and regexes with a
 * literal prefix ({@code ^/svc42/items/[0-9]+$}) that run re2j only after the prefix matched.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RouteMatchingBenchmark {

  @Param({"10", "100", "1000"})
  int routes;

  @Param({"prefix", "regex"})
  String kind;

  RoutingTable table;
  String lastPath;

  @Setup
  public void setUp() throws Exception {
    StringBuilder yaml = new StringBuilder("""
        mode: api_gateway
        upstreams:
          u: { servers: ["127.0.0.1:1"] }
        api_gateway:
          routes:
        """);
    for (int i = 0; i < routes; i++) {
      // Same length for all: match order is YAML order, so route 0 is tried first and the last one last.
      String pattern = kind.equals("prefix") ? "^/svc%04d/".formatted(i) : "^/svc%04d/items/[0-9]+$".formatted(i);
      yaml.append("    r").append(i).append(": { path_pattern: \"").append(pattern).append("\", upstream: u }\n");
    }
    ProxyConfig config = ConfigLoader.parse(yaml.toString(), "bench.yaml", ConfigOverrides.none());
    table = RoutingTable.build(config.routes(),
        Upstreams.build(config, HealthView.ALL_HEALTHY, UpstreamRegistry.standalone()), names -> List.of());
    lastPath = kind.equals("prefix") ? "/svc%04d/x".formatted(routes - 1) : "/svc%04d/items/42".formatted(routes - 1);
  }

  @Benchmark
  public RouteMatch matchLastRoute() {
    return table.match("GET", null, lastPath, null);
  }

  @Benchmark
  public RouteMatch matchNothing() {
    return table.match("GET", null, "/nothing/here", null);
  }
}
