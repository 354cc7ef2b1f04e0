package cloud.locci.proxy.lb;

import cloud.locci.proxy.core.ProxyMode;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.forward.Decision;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.middleware.Middleware;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import cloud.locci.proxy.core.forward.Target;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Load-balancer mode: every request, whatever its path, goes to the next healthy server of
 * {@code load_balancer.upstream}, unchanged (seed guide §6). Stateless: one instance serves every event
 * loop.
 */
public final class LoadBalancerMode implements ProxyMode<LoadBalancerMode.Plan> {

  /**
   * What every request of one config version does.
   *
   * @param group the upstream group of {@code load_balancer.upstream}
   * @param timeoutMs how long the upstream may stay silent (60 s, nginx's proxy_read_timeout default)
   * @param middlewares {@code load_balancer.middlewares}, applied to every request
   */
  record Plan(UpstreamGroup group, long timeoutMs, List<Middleware> middlewares) {}

  @Override
  public Plan compile(Vertx vertx, ProxyConfig config, Upstreams upstreams, Middlewares middlewares) {
    ProxyConfig.LoadBalancerConfig lb = config.loadBalancer()
        .orElseThrow(() -> new IllegalStateException("load_balancer section missing from a validated config"));
    String name = lb.upstream();
    UpstreamGroup group = upstreams.group(name)
        .orElseThrow(() -> new IllegalStateException("upstream " + name + " missing from a validated config"));
    return new Plan(group, TimeUnit.SECONDS.toMillis(RouteConfig.DEFAULT_TIMEOUT_SECS),
        middlewares.chain(lb.middlewares()));
  }

  @Override
  public Explanation explain(Plan plan, ExplainQuery query) {
    return Explanation.loadBalancer(plan.group(), query.path(),
        plan.middlewares().stream().map(Middleware::name).toList());
  }

  @Override
  public Decision decide(Plan plan, Exchange exchange) {
    return new Decision.Forward(new Target("", plan.group(), exchange.request().uri(), plan.timeoutMs(), 0),
        plan.middlewares());
  }
}
