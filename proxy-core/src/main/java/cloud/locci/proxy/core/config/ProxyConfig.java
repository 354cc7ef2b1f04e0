package cloud.locci.proxy.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole configuration, deeply immutable. Maps keep YAML order (route ties are broken by it).
 * Built by {@link ConfigLoader}, checked by {@link ConfigValidator}; CLI and environment overlays give
 * new instances through the {@code with...} methods.
 *
 * @param mode which of the two sections below is used
 * @param loadBalancer present when the file has a {@code load_balancer} section
 * @param apiGateway present when the file has an {@code api_gateway} section
 * @param middlewares the top-level {@code middlewares} map (usable by both modes)
 * @param tracing the {@code tracing} section (off by default)
 * @param cluster the {@code cluster} section (SPEC §9); disabled by default
 */
public record ProxyConfig(
    Mode mode,
    ServerConfig server,
    LoggingConfig logging,
    Map<String, UpstreamConfig> upstreams,
    Optional<LoadBalancerConfig> loadBalancer,
    Optional<GatewayConfig> apiGateway,
    Map<String, MiddlewareConfig> middlewares,
    ControlApiConfig controlApi,
    TracingConfig tracing,
    ClusterConfig cluster) {

  public ProxyConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(logging, "logging");
    upstreams = ordered(upstreams);
    middlewares = ordered(middlewares);
    Objects.requireNonNull(controlApi, "controlApi");
    Objects.requireNonNull(tracing, "tracing");
    Objects.requireNonNull(cluster, "cluster");
  }

  /** An unmodifiable copy that keeps iteration order (Map.copyOf does not). */
  static <V> Map<String, V> ordered(Map<String, V> map) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /**
   * Every middleware instance a route or the load balancer may name: {@code api_gateway.middlewares}
   * first, then the top-level map.
   */
  public Map<String, MiddlewareConfig> allMiddlewares() {
    Map<String, MiddlewareConfig> all = new LinkedHashMap<>();
    apiGateway.ifPresent(g -> all.putAll(g.middlewares()));
    all.putAll(middlewares);
    return Collections.unmodifiableMap(all);
  }

  /** Gateway routes in YAML order; empty outside gateway configs. */
  public List<RouteConfig> routes() {
    return apiGateway.map(g -> List.copyOf(g.routes().values())).orElse(List.of());
  }

  public ProxyConfig withMode(Mode newMode) {
    return new ProxyConfig(newMode, server, logging, upstreams, loadBalancer, apiGateway, middlewares, controlApi,
        tracing, cluster);
  }

  public ProxyConfig withServer(ServerConfig newServer) {
    return new ProxyConfig(mode, newServer, logging, upstreams, loadBalancer, apiGateway, middlewares, controlApi,
        tracing, cluster);
  }

  public ProxyConfig withLogging(LoggingConfig newLogging) {
    return new ProxyConfig(mode, server, newLogging, upstreams, loadBalancer, apiGateway, middlewares, controlApi,
        tracing, cluster);
  }

  public ProxyConfig withControlApi(ControlApiConfig newControlApi) {
    return new ProxyConfig(mode, server, logging, upstreams, loadBalancer, apiGateway, middlewares, newControlApi,
        tracing, cluster);
  }

  public ProxyConfig withCluster(ClusterConfig newCluster) {
    return new ProxyConfig(mode, server, logging, upstreams, loadBalancer, apiGateway, middlewares, controlApi,
        tracing, newCluster);
  }

  public ProxyConfig withTracing(TracingConfig newTracing) {
    return new ProxyConfig(mode, server, logging, upstreams, loadBalancer, apiGateway, middlewares, controlApi,
        newTracing, cluster);
  }

  public ProxyConfig withUpstreams(Map<String, UpstreamConfig> newUpstreams) {
    return new ProxyConfig(mode, server, logging, newUpstreams, loadBalancer, apiGateway, middlewares, controlApi,
        tracing, cluster);
  }

  public ProxyConfig withApiGateway(GatewayConfig newGateway) {
    return new ProxyConfig(mode, server, logging, upstreams, loadBalancer, Optional.of(newGateway), middlewares,
        controlApi, tracing, cluster);
  }

  /**
   * {@code load_balancer}: the one upstream group every request goes to.
   *
   * @param middlewares middleware instances applied to every request, in order
   */
  public record LoadBalancerConfig(String upstream, List<String> middlewares) {
    public LoadBalancerConfig {
      Objects.requireNonNull(upstream, "upstream");
      middlewares = List.copyOf(middlewares);
    }
  }

  /** {@code api_gateway}: routes (YAML order) and middleware instances. */
  public record GatewayConfig(Map<String, RouteConfig> routes, Map<String, MiddlewareConfig> middlewares) {
    public GatewayConfig {
      routes = ordered(routes);
      middlewares = ordered(middlewares);
    }

    public GatewayConfig withRoutes(Map<String, RouteConfig> newRoutes) {
      return new GatewayConfig(newRoutes, middlewares);
    }
  }
}
