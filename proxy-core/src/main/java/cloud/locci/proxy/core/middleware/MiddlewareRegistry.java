package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.cluster.LiveMembers;
import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.config.RateLimitScope;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Middleware state that must be process-wide (SPEC §10): the token buckets of each rate-limiting
 * middleware, shared by every proxy verticle instance and kept across config versions.
 *
 * <p>Buckets are found by the whole {@code rate_limiting} record (name and settings): a reload that
 * leaves a middleware unchanged finds its buckets again; one that changes its rate, burst or key header,
 * or renames it, starts with fresh, full buckets (SPEC §10, "Reload keeps state per owner").
 *
 * <p>The registry holds its bucket sets weakly: a set lives as long as some installed config version of
 * some proxy instance uses it (each version's {@link Middlewares} holds it strongly), and is collected
 * once every instance has moved on to versions without it, so a long series of reloads cannot pile up
 * sets of old settings.
 */
final class MiddlewareRegistry implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "middleware-registry";

  private final ConcurrentHashMap<MiddlewareConfig.RateLimiting, WeakReference<TokenBuckets>> buckets =
      new ConcurrentHashMap<>();

  private final LiveMembers live;

  MiddlewareRegistry(LiveMembers live) {
    this.live = live;
  }

  /** The registry of {@code vertx}'s process, created on first use. */
  static MiddlewareRegistry of(Vertx vertx) {
    LocalMap<String, MiddlewareRegistry> map = vertx.sharedData().getLocalMap(MAP);
    MiddlewareRegistry fresh = new MiddlewareRegistry(LiveMembers.of(vertx));
    MiddlewareRegistry existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** The bucket set of {@code config}: the one in use when a middleware equal to it exists, else a new one. */
  TokenBuckets buckets(MiddlewareConfig.RateLimiting config) {
    buckets.values().removeIf(ref -> ref.get() == null);
    TokenBuckets[] found = new TokenBuckets[1];
    buckets.compute(config, (k, ref) -> {
      TokenBuckets live = ref == null ? null : ref.get();
      if (live == null) {
        live = TokenBuckets.of(k, k.scope() == RateLimitScope.CLUSTER ? this.live::count : () -> 1);
        ref = new WeakReference<>(live);
      }
      // Held strongly from here on, so the collector cannot clear it before the caller keeps it.
      found[0] = live;
      return ref;
    });
    return found[0];
  }
}
