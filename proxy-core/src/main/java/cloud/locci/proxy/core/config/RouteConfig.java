package cloud.locci.proxy.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of {@code api_gateway.routes}.
 *
 * @param name the map key
 * @param pathPattern a Go/RE2 regular expression matched against the request path (not the query)
 * @param methods allowed methods, upper case; empty allows every method
 * @param upstream name of the upstream group requests go to
 * @param stripPrefix remove the matched part of the path before forwarding (default false)
 * @param timeoutSecs time the upstream has to answer (default 60, as nginx's proxy_read_timeout)
 * @param host exact host or {@code *.example.com}; empty matches every host
 * @param retries extra attempts on another server after a connection failure, idempotent methods only
 * @param middlewares names of middleware instances to run, in order
 * @param maxBodySize request body bytes beyond which this route answers 413; empty: {@code server.max_body_size}
 * @param policies matchers, split, rewrite and header rules (SPEC §11); {@link RoutePolicies#NONE} for none.
 *     With a split, {@code upstream} is {@code ""}.
 * @param mirror where a copy of some requests goes; empty: none
 */
public record RouteConfig(
    String name,
    String pathPattern,
    List<String> methods,
    String upstream,
    boolean stripPrefix,
    int timeoutSecs,
    Optional<String> host,
    int retries,
    List<String> middlewares,
    Optional<Long> maxBodySize,
    RoutePolicies policies,
    Optional<MirrorConfig> mirror) {

  public static final int DEFAULT_TIMEOUT_SECS = 60;

  public RouteConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pathPattern, "pathPattern");
    methods = List.copyOf(methods);
    Objects.requireNonNull(upstream, "upstream");
    middlewares = List.copyOf(middlewares);
    Objects.requireNonNull(maxBodySize, "maxBodySize");
    Objects.requireNonNull(policies, "policies");
    Objects.requireNonNull(mirror, "mirror");
  }

  /** A route without traffic policies or mirror. */
  public RouteConfig(String name, String pathPattern, List<String> methods, String upstream, boolean stripPrefix,
      int timeoutSecs, Optional<String> host, int retries, List<String> middlewares, Optional<Long> maxBodySize) {
    this(name, pathPattern, methods, upstream, stripPrefix, timeoutSecs, host, retries, middlewares, maxBodySize,
        RoutePolicies.NONE, Optional.empty());
  }

  /** A route with traffic policies and no mirror. */
  public RouteConfig(String name, String pathPattern, List<String> methods, String upstream, boolean stripPrefix,
      int timeoutSecs, Optional<String> host, int retries, List<String> middlewares, Optional<Long> maxBodySize,
      RoutePolicies policies) {
    this(name, pathPattern, methods, upstream, stripPrefix, timeoutSecs, host, retries, middlewares, maxBodySize,
        policies, Optional.empty());
  }

  /** A route with a mirror and no traffic policies. */
  public RouteConfig(String name, String pathPattern, List<String> methods, String upstream, boolean stripPrefix,
      int timeoutSecs, Optional<String> host, int retries, List<String> middlewares, Optional<Long> maxBodySize,
      Optional<MirrorConfig> mirror) {
    this(name, pathPattern, methods, upstream, stripPrefix, timeoutSecs, host, retries, middlewares, maxBodySize,
        RoutePolicies.NONE, mirror);
  }

  /** This route with {@code p} as its policies. */
  public RouteConfig withPolicies(RoutePolicies p) {
    return new RouteConfig(name, pathPattern, methods, upstream, stripPrefix, timeoutSecs, host, retries, middlewares,
        maxBodySize, p, mirror);
  }

  /** Every upstream this route may send to: its {@code upstream}, or the upstreams of its split. */
  public List<String> upstreamNames() {
    return policies.split().isEmpty() ? List.of(upstream)
        : policies.split().stream().map(RoutePolicies.SplitEntry::upstream).toList();
  }

  /** A route with every optional key at its default. */
  public static RouteConfig of(String name, String pathPattern, String upstream) {
    return new RouteConfig(name, pathPattern, List.of(), upstream, false, DEFAULT_TIMEOUT_SECS,
        Optional.empty(), 0, List.of(), Optional.empty());
  }
}
