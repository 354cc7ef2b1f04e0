package cloud.locci.proxy.core.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which gateway routes are tried (SPEC §4, §11): longest {@code path_pattern} first, then
 * more matchers ({@code match_headers} plus {@code match_query} entries) first, then YAML order. One
 * definition for the routing table, {@code explain}, shadowing warnings and the control API's route list.
 */
public final class RouteOrder {

  private RouteOrder() {}

  /** {@code routes} (in YAML order) in match order. */
  public static List<RouteConfig> sort(List<RouteConfig> routes) {
    List<RouteConfig> sorted = new ArrayList<>(routes);
    // List.sort is stable: equal lengths and matcher counts keep YAML order.
    sorted.sort(Comparator.comparingInt((RouteConfig r) -> r.pathPattern().length())
        .thenComparingInt(r -> r.policies().matcherCount()).reversed());
    return List.copyOf(sorted);
  }
}
