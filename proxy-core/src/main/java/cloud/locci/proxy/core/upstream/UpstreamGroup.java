package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.UpstreamConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One upstream group of one snapshot: its configuration, its servers, the ones currently healthy and
 * the strategy that picks among them. Immutable; rebuilt when the config or the health view changes.
 */
public final class UpstreamGroup {

  private final UpstreamConfig config;
  private final List<Backend> backends;
  private final List<Backend> healthy;
  private final Selector selector;

  UpstreamGroup(UpstreamConfig config, List<Backend> backends, List<Backend> healthy, Selector selector) {
    this.config = config;
    this.backends = List.copyOf(backends);
    this.healthy = List.copyOf(healthy);
    this.selector = selector;
  }

  public String name() {
    return config.name();
  }

  public UpstreamConfig config() {
    return config;
  }

  /** Every configured server, in YAML order. */
  public List<Backend> backends() {
    return backends;
  }

  /** The servers in rotation now. */
  public List<Backend> healthy() {
    return healthy;
  }

  /**
   * Picks a server for one request; empty when no server is in rotation (the caller answers 503).
   *
   * @param avoid servers that already failed this request: skipped when another server is available
   */
  public Optional<Backend> select(SelectionContext ctx, List<Backend> avoid) {
    List<Backend> candidates = healthy;
    if (!avoid.isEmpty()) {
      List<Backend> rest = new ArrayList<>(healthy);
      rest.removeAll(avoid);
      if (!rest.isEmpty()) {
        candidates = rest;
      }
    }
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(selector.pick(candidates, ctx));
  }
}
