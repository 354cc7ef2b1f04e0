package cloud.locci.proxy.core.explain;

import java.util.List;
import java.util.Optional;

/**
 * How the proxy would treat one request: the candidates in the order they are tried, what happened
 * with each, and where the request would go. Shared by {@code locci-proxy explain} and
 * {@code GET /api/v1/explain}.
 *
 * @param mode {@code load_balancer} or {@code api_gateway}
 * @param status the status the proxy itself would answer with, or 0 when the request is forwarded
 * @param reason the reason word of that answer ({@code route_not_found}, {@code method_not_allowed}); empty when forwarded
 * @param candidates every route tried, in match order (empty in load-balancer mode)
 * @param winner the route that serves the request (empty when none, or in load-balancer mode)
 * @param target where it goes; empty when the proxy answers itself
 * @param allow for a 405, the methods the matching routes allow
 */
public record Explanation(String mode, int status, String reason, List<Candidate> candidates,
    Optional<String> winner, Optional<Target> target, List<String> allow) {

  public Explanation {
    candidates = List.copyOf(candidates);
    allow = List.copyOf(allow);
  }

  /** Load-balancer mode: every request goes to {@code group}, unchanged. */
  public static Explanation loadBalancer(cloud.locci.proxy.core.upstream.UpstreamGroup group, String uri,
      List<String> middlewares) {
    return new Explanation("load_balancer", 0, "", List.of(), Optional.empty(),
        Optional.of(new Target(group.name(), group.config().strategy().yamlName(),
            group.healthy().stream().map(b -> b.address().toString()).toList(), uri.isEmpty() ? "/" : uri,
            cloud.locci.proxy.core.config.RouteConfig.DEFAULT_TIMEOUT_SECS, 0, middlewares)),
        List.of());
  }

  /**
   * What happens when connecting to a server fails, in words: the same for every target (SPEC §10), said
   * by {@code explain} so nobody has to guess from {@code retries}.
   */
  public static final String CONNECT_FAILOVER =
      "a failed connect (refused, connect timeout, TLS handshake) goes on to another server of the group, any"
          + " method, each server at most once; retries apply only after the request was sent";

  /** True when a route (or the load balancer) would serve the request. */
  public boolean served() {
    return target.isPresent();
  }

  /**
   * One route as tried.
   *
   * @param outcome {@code matched}, {@code host_mismatch}, {@code path_mismatch}, {@code header_mismatch},
   *     {@code query_mismatch}, {@code method_not_allowed}, or {@code not_tried} (a route after the winner)
   * @param detail the same in words
   * @param matchers the route's {@code match_headers}/{@code match_query} in words ({@code header X-Canary: 1})
   */
  public record Candidate(String route, String pathPattern, String host, List<String> methods, String outcome,
      String detail, List<String> matchers) {
    public Candidate {
      methods = List.copyOf(methods);
      matchers = List.copyOf(matchers);
    }

    /** A route without header or query matchers. */
    public Candidate(String route, String pathPattern, String host, List<String> methods, String outcome,
        String detail) {
      this(route, pathPattern, host, methods, outcome, detail, List.of());
    }
  }

  /**
   * Where the request would go and under which rules.
   *
   * @param uri the path and query sent upstream (after strip_prefix and rewrite)
   * @param healthyServers the servers in rotation now
   * @param split the route's split, when it has one ({@code upstream} is then the one the next request gets)
   * @param rewrite the rewrite applied, as {@code pattern -> replacement}; empty for none
   * @param requestHeaders the route's request header rules in the order applied ({@code set X-A: v})
   * @param responseHeaders the same for responses
   */
  public record Target(String upstream, String strategy, List<String> healthyServers, String uri, int timeoutSecs,
      int retries, List<String> middlewares, List<Share> split, String rewrite, List<String> requestHeaders,
      List<String> responseHeaders) {
    public Target {
      healthyServers = List.copyOf(healthyServers);
      middlewares = List.copyOf(middlewares);
      split = List.copyOf(split);
      java.util.Objects.requireNonNull(rewrite, "rewrite");
      requestHeaders = List.copyOf(requestHeaders);
      responseHeaders = List.copyOf(responseHeaders);
    }

    /** A target without split, rewrite or header rules. */
    public Target(String upstream, String strategy, List<String> healthyServers, String uri, int timeoutSecs,
        int retries, List<String> middlewares) {
      this(upstream, strategy, healthyServers, uri, timeoutSecs, retries, middlewares, List.of(), "", List.of(),
          List.of());
    }
  }

  /**
   * One entry of a split.
   *
   * @param percent its share of the requests
   */
  public record Share(String upstream, int weight, double percent) {}
}
