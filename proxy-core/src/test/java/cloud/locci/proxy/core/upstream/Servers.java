package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.ServerAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test fixtures: backends with their own counters, and request contexts. */
final class Servers {

  private Servers() {}

  /** Backends 10.0.0.1:8080, 10.0.0.2:8080, ... with these weights, each with fresh counters. */
  static List<Backend> weighted(int... weights) {
    List<Backend> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(backend("10.0.0." + (i + 1) + ":8080", weights[i]));
    }
    return List.copyOf(list);
  }

  /** {@code n} backends of weight 1. */
  static List<Backend> equal(int n) {
    int[] w = new int[n];
    java.util.Arrays.fill(w, 1);
    return weighted(w);
  }

  static Backend backend(String address, int weight) {
    return new Backend(ServerAddress.parse(address), weight, new BackendStats());
  }

  /** Makes {@code b} look as if {@code n} requests were in flight to it. */
  static void busy(Backend b, int n) {
    for (int i = 0; i < n; i++) {
      b.stats().begin();
    }
  }

  /** {@code candidates} without {@code gone}, as a new list object (as a snapshot or a retry would give). */
  static List<Backend> without(List<Backend> candidates, Backend gone) {
    List<Backend> rest = new ArrayList<>(candidates);
    rest.remove(gone);
    return List.copyOf(rest);
  }

  /** Picks {@code n} times and counts the picks per backend. */
  static Map<Backend, Integer> count(Selector s, List<Backend> candidates, int n) {
    Map<Backend, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(s.pick(candidates, Ctx.NONE), 1, Integer::sum);
    }
    return counts;
  }

  /** A request as a strategy sees it. */
  record Ctx(String clientIp, String path, Map<String, String> headers) implements SelectionContext {
    static final Ctx NONE = new Ctx("192.0.2.1", "/", Map.of());

    static Ctx ip(String ip) {
      return new Ctx(ip, "/", Map.of());
    }

    static Ctx path(String path) {
      return new Ctx("192.0.2.1", path, Map.of());
    }

    static Ctx header(String ip, String name, String value) {
      return new Ctx(ip, "/", Map.of(name, value));
    }

    @Override
    public String header(String name) {
      return headers.get(name);
    }
  }
}
