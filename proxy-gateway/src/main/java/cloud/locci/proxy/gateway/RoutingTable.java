package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.config.RouteOrder;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import cloud.locci.proxy.core.upstream.Upstreams;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's routes of one config version, in match order: longest {@code path_pattern} first, ties
 * in YAML order (SPEC §4). The first route whose host, path and method all match wins; when some match
 * host and path but none allows the method, the answer is 405 with the union of their methods.
 * Immutable; built once per config version (and health change), read by every request.
 */
final class RoutingTable {

  private final List<CompiledRoute> routes;

  private RoutingTable(List<CompiledRoute> routes) {
    this.routes = List.copyOf(routes);
  }

  /**
   * Compiles {@code configs} (YAML order) against the groups of {@code upstreams}, each route with its
   * chain of {@code middlewares}.
   */
  static RoutingTable build(List<RouteConfig> configs, Upstreams upstreams, Middlewares middlewares) {
    List<RouteConfig> sorted = RouteOrder.sort(configs);
    List<CompiledRoute> out = new ArrayList<>();
    for (RouteConfig r : sorted) {
      UpstreamGroup group = upstreams.group(r.upstream()).orElseThrow(() ->
          new IllegalStateException("route " + r.name() + " names unknown upstream " + r.upstream()));
      Set<String> methods = new LinkedHashSet<>();
      r.methods().forEach(m -> methods.add(m.toUpperCase(Locale.ROOT)));
      out.add(new CompiledRoute(r, out.size(), configs.indexOf(r), new PathPattern(r.pathPattern()),
          r.host().map(HostMatcher::of).orElse(HostMatcher.ANY), Set.copyOf(methods), group,
          TimeUnit.SECONDS.toMillis(r.timeoutSecs()), middlewares.chain(r.middlewares())));
    }
    return new RoutingTable(out);
  }

  /** Routes in match order. */
  List<CompiledRoute> routes() {
    return routes;
  }

  /**
   * Matches one request.
   *
   * @param host the request's host, lower case, without port; null when it sent none
   * @param path the path, without query
   * @param query the query string without '?', or null
   */
  RouteMatch match(String method, String host, String path, String query) {
    Set<String> allow = null;
    for (CompiledRoute r : routes) {
      if (!r.host().matches(host)) {
        continue;
      }
      long found = r.pattern().find(path);
      if (found < 0) {
        continue;
      }
      if (!r.allows(method)) {
        if (allow == null) {
          allow = new LinkedHashSet<>();
        }
        allow.addAll(r.allowHeaderMethods());
        continue;
      }
      return new RouteMatch.Found(r, upstreamUri(r, path, query, found));
    }
    return allow == null ? RouteMatch.NOT_FOUND : new RouteMatch.MethodNotAllowed(List.copyOf(allow));
  }

  private static String upstreamUri(CompiledRoute r, String path, String query, long found) {
    String p = path;
    if (r.config().stripPrefix()) {
      p = path.substring(0, PathPattern.start(found)) + path.substring(PathPattern.end(found));
      if (p.isEmpty()) {
        p = "/";
      } else if (p.charAt(0) != '/') {
        p = "/" + p;
      }
    }
    return query == null ? p : p + "?" + query;
  }
}
