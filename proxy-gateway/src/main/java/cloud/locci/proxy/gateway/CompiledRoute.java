package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.middleware.Middleware;
import cloud.locci.proxy.core.mirror.MirrorPlan;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One route ready for matching: its compiled pattern and host condition, its allowed methods and the
 * upstream group it sends to. Immutable, shared by every request of one snapshot.
 *
 * @param order position in match order (0 is tried first)
 * @param yamlIndex position in the YAML file, the tie-breaker between patterns of equal length
 * @param methods allowed methods, upper case; empty allows all
 * @param middlewares the route's middleware instances, in order
 * @param group the route's upstream group; with a split, its first group (the split chooses per request)
 * @param policies matchers, split, rewrite and header rules
 * @param mirror the route's mirror, or null when it has none
 */
record CompiledRoute(
    RouteConfig config,
    int order,
    int yamlIndex,
    PathPattern pattern,
    HostMatcher host,
    Set<String> methods,
    UpstreamGroup group,
    long timeoutMs,
    List<Middleware> middlewares,
    RoutePolicyRuntime policies,
    MirrorPlan mirror) {

  String name() {
    return config.name();
  }

  boolean allows(String method) {
    return methods.isEmpty() || methods.contains(method) || method.equals("HEAD") && methods.contains("GET");
  }

  /** The methods for an {@code Allow} header: the configured ones, plus HEAD when GET is there. */
  List<String> allowHeaderMethods() {
    Set<String> out = new LinkedHashSet<>(methods);
    if (out.contains("GET")) {
      out.add("HEAD");
    }
    return List.copyOf(out);
  }
}
