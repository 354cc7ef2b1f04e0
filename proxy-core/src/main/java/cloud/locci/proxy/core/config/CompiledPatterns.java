package cloud.locci.proxy.core.config;

import com.google.re2j.Pattern;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Route patterns compiled once per process. The validator compiles every pattern of a candidate
 * configuration, off the event loops (at start on the main thread, on reload and API changes on a
 * worker); the proxy instances, which build their routing tables on their event loops, then find the
 * compiled pattern here instead of compiling it again. re2j's {@link Pattern} is immutable and safe to
 * share between threads.
 */
public final class CompiledPatterns {

  // Patterns of refused candidates stay too; past this many the cache starts over (live routing tables
  // keep their own references).
  private static final int MAX_ENTRIES = 10_000;

  private static final ConcurrentHashMap<String, Pattern> CACHE = new ConcurrentHashMap<>();

  private CompiledPatterns() {}

  /**
   * The compiled {@code source}; compiles it when it is not cached. Call only with patterns that passed
   * {@link PatternLimits#problem}: the validator does so before compiling anything.
   *
   * @throws com.google.re2j.PatternSyntaxException when {@code source} is not a valid RE2 pattern
   */
  public static Pattern compile(String source) {
    Pattern cached = CACHE.get(source);
    if (cached != null) {
      return cached;
    }
    if (PatternLimits.problem(source).isPresent()) {
      throw new IllegalArgumentException("route pattern over the complexity limit was not validated first");
    }
    Pattern compiled = Pattern.compile(source);
    if (CACHE.size() >= MAX_ENTRIES) {
      CACHE.clear();
    }
    CACHE.putIfAbsent(source, compiled);
    return compiled;
  }
}
