package cloud.locci.proxy.core.upstream;

import java.util.List;

/**
 * A selection strategy: picks one server among the candidates it is given. Candidates are already
 * filtered for health, so a strategy knows nothing about health. Implementations are thread-safe and
 * lock-free: they run on every event loop at once.
 */
public interface Selector {

  /**
   * Picks one of {@code candidates} (never empty) for the request described by {@code ctx}.
   */
  Backend pick(List<Backend> candidates, SelectionContext ctx);
}
