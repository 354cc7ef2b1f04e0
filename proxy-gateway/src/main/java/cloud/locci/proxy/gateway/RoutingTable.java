package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.config.RoutePolicies;
import cloud.locci.proxy.core.config.RouteOrder;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.middleware.Middleware;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.mirror.MirrorPlan;
import cloud.locci.proxy.core.policy.PathRewrite;
import cloud.locci.proxy.core.policy.RequestMatchers;
import cloud.locci.proxy.core.policy.SplitCursors;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The gateway's routes of one config version, in match order: longest {@code path_pattern} first, then
 * more header and query matchers first, then YAML order (SPEC §4, §11). The first route whose host, path,
 * matchers and method all match wins; when some match host, path and matchers but none allows the
 * method, the answer is 405 with the union of their methods.
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
    return build(configs, upstreams, middlewares::chain, SplitCursors.standalone(), r -> null);
  }

  /** Like {@link #build(List, Upstreams, Middlewares)}, with each route's mirror made by {@code mirrors}. */
  static RoutingTable build(List<RouteConfig> configs, Upstreams upstreams, Middlewares middlewares,
      Function<RouteConfig, MirrorPlan> mirrors) {
    return build(configs, upstreams, middlewares::chain, SplitCursors.standalone(), mirrors);
  }

  /** Like {@link #build(List, Upstreams, Middlewares)}, with splits positioned by the shared {@code cursors}. */
  static RoutingTable build(List<RouteConfig> configs, Upstreams upstreams, Middlewares middlewares,
      SplitCursors cursors) {
    return build(configs, upstreams, middlewares::chain, cursors, r -> null);
  }

  /** Splits positioned by the shared {@code cursors}, each route's mirror made by {@code mirrors}. */
  static RoutingTable build(List<RouteConfig> configs, Upstreams upstreams, Middlewares middlewares,
      SplitCursors cursors, Function<RouteConfig, MirrorPlan> mirrors) {
    return build(configs, upstreams, middlewares::chain, cursors, mirrors);
  }

  /**
   * Like {@link #build(List, Upstreams, Middlewares)}, with each route's chain given by {@code chains}
   * ({@code explain} outside a running proxy needs only the names, which the route configs carry).
   */
  static RoutingTable build(List<RouteConfig> configs, Upstreams upstreams,
      Function<List<String>, List<Middleware>> chains) {
    return build(configs, upstreams, chains, SplitCursors.standalone());
  }

  /** Like {@link #build(List, Upstreams, Function)}, with splits positioned by {@code cursors}. */
  static RoutingTable build(List<RouteConfig> configs, Upstreams upstreams,
      Function<List<String>, List<Middleware>> chains, SplitCursors cursors) {
    return build(configs, upstreams, chains, cursors, r -> null);
  }

  private static RoutingTable build(List<RouteConfig> configs, Upstreams upstreams,
      Function<List<String>, List<Middleware>> chains, SplitCursors cursors, Function<RouteConfig, MirrorPlan> mirrors) {
    List<RouteConfig> sorted = RouteOrder.sort(configs);
    List<CompiledRoute> out = new ArrayList<>();
    for (RouteConfig r : sorted) {
      String first = r.upstreamNames().get(0);
      UpstreamGroup group = upstreams.group(first).orElseThrow(() ->
          new IllegalStateException("route " + r.name() + " names unknown upstream " + first));
      Set<String> methods = new LinkedHashSet<>();
      r.methods().forEach(m -> methods.add(m.toUpperCase(Locale.ROOT)));
      out.add(new CompiledRoute(r, out.size(), configs.indexOf(r), new PathPattern(r.pathPattern()),
          r.host().map(HostMatcher::of).orElse(HostMatcher.ANY), Collections.unmodifiableSet(methods), group,
          TimeUnit.SECONDS.toMillis(r.timeoutSecs()), chains.apply(r.middlewares()),
          RoutePolicyRuntime.compile(r, upstreams, cursors), mirrors.apply(r)));
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
    return match(method, host, path, query, NO_HEADERS);
  }

  private static final MultiMap NO_HEADERS = MultiMap.caseInsensitiveMultiMap();

  /**
   * Matches one request.
   *
   * @param headers the request's headers, for {@code match_headers}
   */
  RouteMatch match(String method, String host, String path, String query, MultiMap headers) {
    Set<String> allow = null;
    for (CompiledRoute r : routes) {
      if (!r.host().matches(host)) {
        continue;
      }
      long found = r.pattern().find(path);
      if (found < 0) {
        continue;
      }
      RequestMatchers matchers = r.policies().matchers();
      if (!matchers.isEmpty() && !matchers.matches(headers, query)) {
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

  /**
   * Explains how {@link #match} treats one request: every route in match order with what happened to
   * it, the winner, and where the request goes.
   */
  Explanation explain(ExplainQuery q) {
    String pathAndQuery = q.path().isEmpty() ? "/" : q.path();
    int qm = pathAndQuery.indexOf('?');
    String path = qm < 0 ? pathAndQuery : pathAndQuery.substring(0, qm);
    String query = qm < 0 ? null : pathAndQuery.substring(qm + 1);
    String host = normalizeHost(q.host());
    String method = q.method().toUpperCase(Locale.ROOT);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    q.headers().forEach((k, v) -> {
      if (!headers.contains(k)) {
        headers.add(k, v);
      }
    });
    List<Explanation.Candidate> candidates = new ArrayList<>();
    Set<String> allow = new LinkedHashSet<>();
    CompiledRoute winner = null;
    String uri = null;
    for (CompiledRoute r : routes) {
      String outcome;
      String detail;
      if (winner != null) {
        outcome = "not_tried";
        detail = "route " + winner.name() + " won before it";
      } else if (!r.host().matches(host)) {
        outcome = "host_mismatch";
        detail = "host " + (host == null ? "(none)" : host) + " does not match " + r.host();
      } else {
        long found = r.pattern().find(path);
        RequestMatchers matchers = r.policies().matchers();
        String headerMiss = found < 0 ? null : matchers.headerMismatch(headers);
        String queryMiss = found < 0 || headerMiss != null ? null : matchers.queryMismatch(query);
        if (found < 0) {
          outcome = "path_mismatch";
          detail = "path " + path + " does not match " + r.pattern().source();
        } else if (headerMiss != null) {
          outcome = "header_mismatch";
          detail = headerMiss;
        } else if (queryMiss != null) {
          outcome = "query_mismatch";
          detail = queryMiss;
        } else if (!r.allows(method)) {
          outcome = "method_not_allowed";
          detail = method + " is not in " + String.join(", ", r.allowHeaderMethods());
          allow.addAll(r.allowHeaderMethods());
        } else {
          outcome = "matched";
          detail = r.policies().matchers().isEmpty() ? "host, path and method match"
              : "host, path, matchers and method match";
          winner = r;
          uri = upstreamUri(r, path, query, found);
        }
      }
      candidates.add(new Explanation.Candidate(r.name(), r.pattern().source(), r.host().toString(),
          r.config().methods(), outcome, detail, r.policies().matchers().describe()));
    }
    if (winner == null) {
      boolean methodOnly = !allow.isEmpty();
      return new Explanation("api_gateway", methodOnly ? 405 : 404,
          methodOnly ? "method_not_allowed" : "route_not_found", candidates, Optional.empty(), Optional.empty(),
          List.copyOf(allow));
    }
    RouteConfig c = winner.config();
    RoutePolicyRuntime p = winner.policies();
    // With a split, the upstream shown is the one the next request would get; explaining takes no turn.
    UpstreamGroup group = p.split() == null ? winner.group() : p.split().peek();
    List<Explanation.Share> shares = new ArrayList<>();
    if (p.split() != null) {
      List<Double> percent = p.split().shares();
      for (int i = 0; i < p.split().entries().size(); i++) {
        RoutePolicies.SplitEntry e = p.split().entries().get(i);
        shares.add(new Explanation.Share(e.upstream(), e.weight(), percent.get(i)));
      }
    }
    String rewrite = c.policies().rewrite().map(rw -> rw.pattern() + " -> " + rw.replacement()).orElse("");
    return new Explanation("api_gateway", 0, "", candidates, Optional.of(winner.name()),
        Optional.of(new Explanation.Target(group.name(), group.config().strategy().yamlName(),
            group.healthy().stream().map(b -> b.address().toString()).toList(), uri == null ? "(rewritten path too long: 414)" : uri,
            c.timeoutSecs(), c.retries(), c.middlewares(), shares, rewrite,
            RoutePolicyRuntime.describe(c.policies().requestHeaders()),
            RoutePolicyRuntime.describe(c.policies().responseHeaders()))),
        List.of());
  }

  /** Lower case, without port: how a Host header is compared. Null or blank means none. */
  static String normalizeHost(String host) {
    if (host == null || host.isBlank()) {
      return null;
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      return close > 0 ? h.substring(1, close) : h;
    }
    int colon = h.lastIndexOf(':');
    return colon > 0 && h.indexOf(':') == colon ? h.substring(0, colon) : h;
  }

  /**
   * The path and query sent upstream: {@code strip_prefix}, then {@code rewrite}, query kept. Null when
   * the rewritten path is over {@link PathRewrite#MAX_RESULT} (the gateway answers 414).
   */
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
    PathRewrite rewrite = r.policies().rewrite();
    if (rewrite != null) {
      p = rewrite.apply(p);
      if (p == null) {
        return null;
      }
    }
    return query == null ? p : p + "?" + query;
  }
}
