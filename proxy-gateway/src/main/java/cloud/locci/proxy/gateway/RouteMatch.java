package cloud.locci.proxy.gateway;

import java.util.List;

/** The outcome of matching one request against a {@link RoutingTable}. */
sealed interface RouteMatch {

  /**
   * A route serves the request.
   *
   * @param uri path and query to send upstream (strip_prefix applied, query kept)
   */
  record Found(CompiledRoute route, String uri) implements RouteMatch {}

  /** Some routes matched host and path, none allows the method: 405 with {@code Allow}. */
  record MethodNotAllowed(List<String> allow) implements RouteMatch {}

  /** No route matches host and path: 404. */
  record NotFound() implements RouteMatch {}

  NotFound NOT_FOUND = new NotFound();
}
