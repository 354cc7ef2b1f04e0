package cloud.locci.proxy.core.upstream;

import java.util.List;
import java.util.function.Function;

/**
 * Remembers what a strategy prepared for the last candidate list it saw, by identity. A group's list
 * of healthy servers is one object for as long as the health view stays, so after the first request of a
 * view the lookup is one volatile read and one comparison; only retries (which pass a list without
 * the servers that failed) and the first request after a change call {@code prepare} again.
 *
 * <p>Thread-safe without locks: two threads may prepare the same list at once, and the last one stays;
 * both results are equal.
 *
 * @param <T> what is prepared (a weighted sequence, a hash ring); may be null
 */
final class CandidateMemo<T> {

  private record Slot<T>(List<Backend> candidates, T value) {}

  private final Function<List<Backend>, T> prepare;
  private volatile Slot<T> last;

  CandidateMemo(Function<List<Backend>, T> prepare) {
    this.prepare = prepare;
  }

  T get(List<Backend> candidates) {
    Slot<T> slot = last;
    if (slot != null && slot.candidates() == candidates) {
      return slot.value();
    }
    T value = prepare.apply(candidates);
    last = new Slot<>(candidates, value);
    return value;
  }
}
