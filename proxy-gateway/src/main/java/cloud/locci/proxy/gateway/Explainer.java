package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.policy.SplitCursors;
import cloud.locci.proxy.core.upstream.HealthView;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import cloud.locci.proxy.core.upstream.Upstreams;
import java.util.List;

/**
 * Explains a request against a configuration outside a running proxy ({@code locci-proxy explain}):
 * the same routing table the gateway builds, with every server assumed healthy.
 */
public final class Explainer {

  private Explainer() {}

  /** How a proxy running {@code config} would treat {@code query}. {@code config} must be valid. */
  public static Explanation explain(ProxyConfig config, ExplainQuery query) {
    Upstreams upstreams = Upstreams.build(config, HealthView.ALL_HEALTHY, UpstreamRegistry.standalone());
    return switch (config.mode()) {
      case LOAD_BALANCER -> {
        String name = config.loadBalancer().orElseThrow().upstream();
        UpstreamGroup group = upstreams.group(name).orElseThrow();
        yield Explanation.loadBalancer(group, query.path(), config.loadBalancer().orElseThrow().middlewares());
      }
      case API_GATEWAY -> RoutingTable.build(config.routes(), upstreams, names -> List.of(),
          SplitCursors.standalone()).explain(query);
    };
  }
}
