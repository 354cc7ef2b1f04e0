package cloud.locci.proxy.core.config;

import java.util.Objects;

/**
 * A route's {@code mirror}: a copy of a share of its requests goes to another upstream, whose answer is
 * discarded (SPEC §11).
 *
 * @param upstream the upstream group the copies go to
 * @param percent the share of the route's forwarded requests copied, 0-100; exact over any 100
 *     consecutive requests
 */
public record MirrorConfig(String upstream, int percent) {

  public MirrorConfig {
    Objects.requireNonNull(upstream, "upstream");
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("percent " + percent + " not in 0-100");
    }
  }
}
