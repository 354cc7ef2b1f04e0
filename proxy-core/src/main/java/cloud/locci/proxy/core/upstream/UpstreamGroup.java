package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.PassiveConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream group of one config version: its configuration, its servers and the strategy that picks
 * among them, built once per version. Health is its own small snapshot: the group reads the current
 * {@link HealthView} at each selection (one volatile read) and derives the servers in rotation from it
 * once per view, so a health flip rebuilds one short list and compiles nothing. Passive ejection
 * ({@code passive}) is live too: its state is process-wide and read at each selection, so an ejection
 * takes effect at once on every instance. Safe to share between event loops.
 */
public final class UpstreamGroup {

  private static final Logger log = LoggerFactory.getLogger(UpstreamGroup.class);

  private final UpstreamConfig config;
  private final List<Backend> backends;
  private final Supplier<HealthView> health;
  /** The servers in rotation under one health view; replaced when the view changes. */
  private volatile Rotation rotation;
  private final Selector selector;
  /** Per server address; empty when the group has no {@code passive} section. */
  private final Map<ServerAddress, PassiveState> passive;

  private record Rotation(HealthView view, List<Backend> up) {}

  /**
   * @param health the current health view, read at each selection (the process's, or a fixed one)
   */
  UpstreamGroup(UpstreamConfig config, List<Backend> backends, Supplier<HealthView> health, Selector selector,
      Map<ServerAddress, PassiveState> passive) {
    this.config = config;
    this.backends = List.copyOf(backends);
    this.health = health;
    this.selector = selector;
    this.passive = passive.isEmpty() ? Map.of() : new HashMap<>(passive);
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

  /** The servers in rotation now (those the current health view does not list as down), in YAML order. */
  public List<Backend> healthy() {
    HealthView view = health.get();
    Rotation r = rotation;
    if (r == null || r.view() != view) {
      // A flip (or the first call): derive the list once for this view. Two event loops may both do it;
      // the results are equal, and the last write wins.
      List<Backend> up = new ArrayList<>(backends.size());
      for (Backend b : backends) {
        if (view.isHealthy(config.name(), b.address())) {
          up.add(b);
        }
      }
      r = new Rotation(view, List.copyOf(up));
      rotation = r;
    }
    return r.up();
  }

  /**
   * Picks a server for one request; empty when no server is in rotation (the caller answers 503):
   * every server is down by active checks or passively ejected.
   *
   * @param avoid servers that already failed this request: skipped when another server is available
   */
  public Optional<Backend> select(SelectionContext ctx, List<Backend> avoid) {
    List<Backend> up = healthy();
    List<Backend> candidates = passive.isEmpty() ? up : notEjected(up);
    if (!avoid.isEmpty()) {
      List<Backend> rest = new ArrayList<>(candidates);
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

  /**
   * Picks a server not in {@code tried} (connect failover: each server at most once per request); empty
   * when every server in rotation was tried already.
   */
  public Optional<Backend> selectUntried(SelectionContext ctx, List<Backend> tried) {
    List<Backend> up = healthy();
    List<Backend> candidates = passive.isEmpty() ? up : notEjected(up);
    if (!tried.isEmpty()) {
      candidates = new ArrayList<>(candidates);
      candidates.removeAll(tried);
    }
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(selector.pick(candidates, ctx));
  }

  /** {@code list} without the passively ejected servers; the same list when none is ejected. */
  private List<Backend> notEjected(List<Backend> list) {
    long now = System.nanoTime();
    List<Backend> kept = null;
    for (int i = 0; i < list.size(); i++) {
      Backend b = list.get(i);
      PassiveState state = passive.get(b.address());
      boolean out = state != null && state.ejectedAt(now);
      if (out && kept == null) {
        kept = new ArrayList<>(list.subList(0, i));
      } else if (!out && kept != null) {
        kept.add(b);
      }
    }
    return kept == null ? list : kept;
  }

  /**
   * Records that a request to {@code backend} failed before its response head (refused, reset, timed
   * out, TLS failure). Counts toward passive ejection; does nothing when the group has no
   * {@code passive} section. Runs on any event loop; logs one warning when this failure ejects it.
   *
   * @param reason the failure's reason word, for the log line
   */
  public void reportFailure(Backend backend, String reason) {
    PassiveState state = passive.get(backend.address());
    if (state == null) {
      return;
    }
    PassiveConfig p = config.passive().orElseThrow();
    switch (state.failure(p, System.nanoTime())) {
      case EJECTED -> log.warn("upstream {} server {} ejected for {} s: {} failed request(s) within {} s (last: {})",
          name(), backend.address(), p.failTimeoutSecs(), p.maxFails(), p.failTimeoutSecs(), reason);
      case EJECTED_AGAIN -> log.warn("upstream {} server {} ejected again for {} s: failed right after its "
          + "ejection ended ({})", name(), backend.address(), p.failTimeoutSecs(), reason);
      case COUNTED -> { }
    }
  }

  /**
   * Records that {@code backend} answered a request (its response head arrived, whatever the status: an
   * upstream 5xx is not a failure, as in nginx). Ends the probation of a server back from ejection.
   */
  public void reportSuccess(Backend backend) {
    PassiveState state = passive.get(backend.address());
    if (state != null && state.success(System.nanoTime())) {
      log.info("upstream {} server {} answered again after its passive ejection", name(), backend.address());
    }
  }
}
