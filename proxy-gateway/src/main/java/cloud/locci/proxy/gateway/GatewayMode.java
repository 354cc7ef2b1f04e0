package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.ProxyMode;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.forward.Decision;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.Reason;
import cloud.locci.proxy.core.forward.Target;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.mirror.MirrorPlan;
import cloud.locci.proxy.core.policy.PathRewrite;
import cloud.locci.proxy.core.policy.SplitCursors;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * API-gateway mode: each request goes to the upstream of the route that wins in the
 * {@link RoutingTable} of the current config version; 404 when none matches, 405 with {@code Allow}
 * when only the method is wrong. Stateless: one instance serves every event loop.
 */
public final class GatewayMode implements ProxyMode<RoutingTable> {

  @Override
  public RoutingTable compile(Vertx vertx, ProxyConfig config, Upstreams upstreams, Middlewares middlewares) {
    return RoutingTable.build(config.routes(), upstreams, middlewares, SplitCursors.of(vertx), r -> r.mirror()
        .map(m -> new MirrorPlan(vertx, r.name(), upstreams.group(m.upstream()).orElseThrow(() ->
            new IllegalStateException("mirror upstream " + m.upstream() + " missing from a validated config")),
            m, TimeUnit.SECONDS.toMillis(r.timeoutSecs())))
        .orElse(null));
  }

  @Override
  public Explanation explain(RoutingTable table, ExplainQuery query) {
    return table.explain(query);
  }

  @Override
  public Decision decide(RoutingTable table, Exchange exchange) {
    HttpServerRequest request = exchange.request();
    RouteMatch match = table.match(routedMethod(request), host(request), request.path(), request.query(),
        request.headers());
    if (match instanceof RouteMatch.Found found) {
      CompiledRoute route = found.route();
      if (found.uri() == null) {
        return new Decision.Reject(route.name(), Reason.URI_TOO_LONG, "the rewritten path is over "
            + PathRewrite.MAX_RESULT + " characters", null);
      }
      RoutePolicyRuntime p = route.policies();
      UpstreamGroup group = p.split() == null ? route.group() : p.split().choose();
      if (p != RoutePolicyRuntime.NONE) {
        exchange.headerEdits(p.requestEdits(), p.responseEdits());
      }
      if (route.mirror() != null) {
        exchange.requestTap(route.mirror().tap(exchange));
      }
      return new Decision.Forward(new Target(route.name(), group, found.uri(), route.timeoutMs(),
          route.config().retries(), route.config().maxBodySize().orElse(-1L)), route.middlewares());
    }
    if (match instanceof RouteMatch.MethodNotAllowed notAllowed) {
      String allow = String.join(", ", notAllowed.allow());
      return new Decision.Reject("", Reason.METHOD_NOT_ALLOWED,
          "method " + request.method().name() + " not allowed here; allowed: " + allow,
          MultiMap.caseInsensitiveMultiMap().add(HttpHeaders.ALLOW, allow));
    }
    return new Decision.Reject("", Reason.ROUTE_NOT_FOUND, "no route for " + request.path(), null);
  }

  /**
   * The method a request is routed by: its own, except for a CORS preflight ({@code OPTIONS} with
   * {@code Origin} and {@code Access-Control-Request-Method}), which goes to the route that would serve
   * the request it announces, so that route's {@code cors} middleware answers it even when the route
   * does not list OPTIONS.
   */
  private static String routedMethod(HttpServerRequest request) {
    if (request.method() == HttpMethod.OPTIONS && request.headers().contains(HttpHeaders.ORIGIN)) {
      String announced = request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
      if (announced != null && !announced.isBlank()) {
        return announced.trim();
      }
    }
    return request.method().name();
  }

  private static String host(HttpServerRequest request) {
    HostAndPort authority = request.authority();
    if (authority == null) {
      return null;
    }
    String h = authority.host();
    // Host names are nearly always sent in lower case already; avoid the copy then.
    for (int i = 0; i < h.length(); i++) {
      if (Character.isUpperCase(h.charAt(i))) {
        return h.toLowerCase(Locale.ROOT);
      }
    }
    return h;
  }
}
