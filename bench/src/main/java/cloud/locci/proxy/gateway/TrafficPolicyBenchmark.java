package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.policy.HeaderTemplate;
import cloud.locci.proxy.core.upstream.HealthView;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.vertx.core.MultiMap;
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
 * Per-request cost of SPEC §11 route policies: 100 routes, the request matching the last one tried,
 * then the winner's request and response header rules applied to a request's and a response's header
 * map. {@code plain}: routes without policies. {@code policies}: each route with two header matchers
 * and header rules both ways ({@code remove}, {@code set} with {@code ${route}}, {@code add} with
 * {@code ${client_ip}} / {@code ${upstream}}). {@code layout=distinct}: every route has its own path
 * prefix (matchers checked for one route only); {@code layout=shared}: all routes share the pattern and
 * differ only by header value (all 100 routes' matchers checked: the worst case).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrafficPolicyBenchmark {

  @Param({"plain", "policies"})
  String routes;

  @Param({"distinct", "shared"})
  String layout;

  RoutingTable table;
  String path;
  MultiMap requestHeaders;
  MultiMap responseHeaders;

  private record Vals(String clientIp, String requestId, String route, String upstream)
      implements HeaderTemplate.Values {}

  private static final Vals VALUES = new Vals("10.1.2.3", "0f8e2c1a-6b1d-4c7e-9a55-3f1b2c4d5e6f", "r0099", "u");

  @Setup
  public void setUp() throws Exception {
    boolean policies = routes.equals("policies");
    boolean shared = layout.equals("shared");
    StringBuilder yaml = new StringBuilder("""
        mode: api_gateway
        upstreams:
          u: { servers: ["127.0.0.1:1"] }
        api_gateway:
          routes:
        """);
    for (int i = 0; i < 100; i++) {
      String pattern = shared ? "^/api/" : "^/svc%04d/".formatted(i);
      yaml.append("    r%04d:\n      path_pattern: \"%s\"\n      upstream: u\n".formatted(i, pattern));
      if (policies) {
        yaml.append("""
                  match_headers: { X-Tenant: "t%d", X-Env: "prod" }
                  request_headers:
                    remove: [Cookie]
                    set: { X-Route: "${route}" }
                    add: { X-Client: "${client_ip}" }
                  response_headers:
                    remove: [Server]
                    set: { X-Served-By: "${upstream}" }
            """.formatted(i));
      }
    }
    ProxyConfig config = ConfigLoader.parse(yaml.toString(), "bench.yaml", ConfigOverrides.none());
    table = RoutingTable.build(config.routes(),
        Upstreams.build(config, HealthView.ALL_HEALTHY, UpstreamRegistry.standalone()), names -> List.of());
    path = shared ? "/api/items/42" : "/svc0099/items/42";
    requestHeaders = MultiMap.caseInsensitiveMultiMap().add("Host", "api.example.com").add("User-Agent", "wrk")
        .add("Accept", "*/*").add("Cookie", "session=1").add("X-Tenant", "t99").add("X-Env", "prod");
    responseHeaders = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json")
        .add("Content-Length", "100").add("Server", "demo");
  }

  /** Match, then both directions' rules on fresh copies of the header maps (the copy is in both variants). */
  @Benchmark
  public Object matchAndApplyHeaderRules() {
    RouteMatch m = table.match("GET", null, path, null, requestHeaders);
    CompiledRoute r = ((RouteMatch.Found) m).route();
    MultiMap out = MultiMap.caseInsensitiveMultiMap().addAll(requestHeaders);
    MultiMap back = MultiMap.caseInsensitiveMultiMap().addAll(responseHeaders);
    RoutePolicyRuntime p = r.policies();
    if (!p.requestEdits().isEmpty()) {
      p.requestEdits().apply(out, VALUES);
    }
    if (!p.responseEdits().isEmpty()) {
      p.responseEdits().apply(back, VALUES);
    }
    return back.size() + out.size();
  }
}
