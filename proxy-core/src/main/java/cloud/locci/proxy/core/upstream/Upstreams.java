package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** Every upstream group of one config version, by name. Built once per version; health is read live. */
public final class Upstreams {

  private final Map<String, UpstreamGroup> groups;

  private Upstreams(Map<String, UpstreamGroup> groups) {
    this.groups = Collections.unmodifiableMap(groups);
  }

  /** Compiles the groups of {@code config} under a fixed health view (tools, tests, explain). */
  public static Upstreams build(ProxyConfig config, HealthView health, UpstreamRegistry registry) {
    return build(config, () -> health, registry);
  }

  /**
   * Compiles the groups of {@code config}; each group keeps in rotation the servers the view
   * {@code health} gives at that moment says are up (see {@link UpstreamGroup#healthy()}).
   */
  public static Upstreams build(ProxyConfig config, Supplier<HealthView> health, UpstreamRegistry registry) {
    Map<String, UpstreamGroup> groups = new LinkedHashMap<>();
    for (UpstreamConfig u : config.upstreams().values()) {
      List<Backend> all = new ArrayList<>();
      Map<ServerAddress, PassiveState> passive = new HashMap<>();
      for (ServerEntry s : u.servers()) {
        Backend b = new Backend(s.address(), s.weight(), registry.stats(s.address()));
        all.add(b);
        if (u.passive().isPresent()) {
          passive.put(s.address(), registry.passive(u.name(), s.address()));
        }
      }
      groups.put(u.name(), new UpstreamGroup(u, all, health, selector(u, registry), passive));
    }
    return new Upstreams(groups);
  }

  /**
   * The strategy {@code u.strategy()} names. Its state lives in {@code registry}, keyed by group name and
   * server address, so a reload that keeps the group keeps its rotation and counters.
   */
  static Selector selector(UpstreamConfig u, UpstreamRegistry registry) {
    return switch (u.strategy()) {
      case ROUND_ROBIN -> new RoundRobin(registry.cursor(u.name()));
      case WEIGHTED_ROUND_ROBIN -> new WeightedRoundRobin(registry.cursor(u.name()), registry.prepared());
      case LEAST_CONNECTIONS -> new LeastConnections(registry.cursor(u.name()), registry.prepared());
      case RANDOM_TWO_CHOICES -> new RandomTwoChoices();
      case CONSISTENT_HASH -> new ConsistentHash(u.hashOn(), ConsistentHash.pointsPerWeight(u.servers()),
          registry.prepared());
    };
  }

  public Optional<UpstreamGroup> group(String name) {
    return Optional.ofNullable(groups.get(name));
  }

  public Map<String, UpstreamGroup> all() {
    return groups;
  }
}
