package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.config.RouteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Finds routes that can never win (SPEC §10): a route tried earlier has the same host condition,
 * allows every method it allows, matches every path it matches, and asks nothing of headers and query
 * that the later route does not ask too (each of its matchers is one of the later route's, or
 * {@code "*"} for a name the later route requires with some value). Path coverage is decided only
 * where it is cheap and certain:
 *
 * <ul>
 *   <li>identical patterns;
 *   <li>an earlier pattern that matches every path ({@code ^/}, {@code /}, {@code .*}, {@code ^.*}, empty);
 *   <li>an earlier pattern {@code ^P}, {@code ^P.*} or {@code ^P.*$} (P literal) and a later pattern whose
 *       every match starts with a literal text that begins with P.
 * </ul>
 *
 * Anything else (alternations, character classes, two regexes matching the same language written
 * differently) is not detected: a missing warning does not prove a route can win.
 */
public final class RouteShadowing {

  private RouteShadowing() {}

  /** One warning per shadowed route, naming the route that shadows it. */
  public static List<String> warnings(ProxyConfig config) {
    List<RouteConfig> ordered = RouteOrder.sort(config.routes());
    List<String> out = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i++) {
      RouteConfig later = ordered.get(i);
      for (int j = 0; j < i; j++) {
        RouteConfig earlier = ordered.get(j);
        if (sameHost(earlier, later) && coversMethods(earlier, later) && coversPaths(earlier, later)
            && coversMatchers(earlier, later)) {
          out.add("api_gateway.routes." + later.name() + ": can never win: route \"" + earlier.name()
              + "\" is tried first (" + (earlier.pathPattern().length() > later.pathPattern().length()
                  ? "longer pattern" : earlier.policies().matcherCount() > later.policies().matcherCount()
                      ? "same length, more matchers" : "same length, earlier in the file")
              + ") and matches every request it matches (host, path, "
              + (earlier.policies().matcherCount() > 0 ? "headers, query " : "") + "and methods)");
          break;
        }
      }
    }
    return out;
  }

  private static boolean sameHost(RouteConfig a, RouteConfig b) {
    return a.host().map(HostMatcher::of).orElse(HostMatcher.ANY)
        .equals(b.host().map(HostMatcher::of).orElse(HostMatcher.ANY));
  }

  /** Every request that satisfies the later route's matchers satisfies the earlier route's. */
  static boolean coversMatchers(RouteConfig earlier, RouteConfig later) {
    return implied(earlier.policies().matchHeaders(), later.policies().matchHeaders(), true)
        && implied(earlier.policies().matchQuery(), later.policies().matchQuery(), false);
  }

  private static boolean implied(Map<String, String> required, Map<String, String> given, boolean ignoreCase) {
    for (Map.Entry<String, String> r : required.entrySet()) {
      String value = null;
      for (Map.Entry<String, String> g : given.entrySet()) {
        if (ignoreCase ? g.getKey().equalsIgnoreCase(r.getKey()) : g.getKey().equals(r.getKey())) {
          value = g.getValue();
        }
      }
      // "*" on the earlier route is satisfied by any value the later one requires; an exact value only by the same.
      if (value == null || !r.getValue().equals("*") && !r.getValue().equals(value)) {
        return false;
      }
    }
    return true;
  }

  private static boolean coversMethods(RouteConfig earlier, RouteConfig later) {
    if (earlier.methods().isEmpty()) {
      return true;
    }
    if (later.methods().isEmpty()) {
      return false;
    }
    Set<String> allowed = new HashSet<>();
    earlier.methods().forEach(m -> allowed.add(m.toUpperCase(Locale.ROOT)));
    if (allowed.contains("GET")) {
      allowed.add("HEAD");
    }
    return later.methods().stream().allMatch(m -> allowed.contains(m.toUpperCase(Locale.ROOT)));
  }

  static boolean coversPaths(RouteConfig earlier, RouteConfig later) {
    String a = earlier.pathPattern();
    String b = later.pathPattern();
    if (a.equals(b) || matchesEverything(a)) {
      return true;
    }
    String coveredPrefix = coveredPrefix(a);
    if (coveredPrefix == null) {
      return false;
    }
    String laterPrefix = PathPattern.LiteralPrefix.of(b).text();
    return laterPrefix != null && laterPrefix.startsWith(coveredPrefix);
  }

  private static boolean matchesEverything(String re) {
    return re.isEmpty() || re.equals("^") || re.equals("^/") || re.equals("/") || re.equals(".*")
        || re.equals("^.*") || re.equals("^/.*") || re.equals("^.*$");
  }

  /** P when {@code re} is {@code ^P}, {@code ^P.*} or {@code ^P.*$} with P literal; else null. */
  private static String coveredPrefix(String re) {
    String core = re;
    if (core.endsWith(".*$")) {
      core = core.substring(0, core.length() - 3);
    } else if (core.endsWith(".*")) {
      core = core.substring(0, core.length() - 2);
    }
    PathPattern.LiteralPrefix p = PathPattern.LiteralPrefix.of(core);
    return p.whole() ? p.text() : null;
  }
}
