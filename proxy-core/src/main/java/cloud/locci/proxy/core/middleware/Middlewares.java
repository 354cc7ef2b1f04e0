package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.config.JwtPublicKey;
import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every middleware instance of one config version, by name: built once per version (by each proxy
 * verticle instance, when it installs the version), then read by every request of that version.
 * Process-wide state lives outside, in a registry shared by all instances and versions: rate-limit
 * buckets are kept across versions for a middleware whose name and settings are unchanged, and start
 * fresh when they change.
 */
public final class Middlewares {

  /** No middleware at all. */
  public static final Middlewares NONE = new Middlewares(Map.of());

  /** The answer of a middleware that lets the request go on; completed, shared by every request. */
  static final Future<Verdict> GO_ON = Future.succeededFuture(Verdict.CONTINUE);

  private final Map<String, Middleware> byName;

  private Middlewares(Map<String, Middleware> byName) {
    this.byName = Collections.unmodifiableMap(byName);
  }

  /**
   * Builds every instance of {@code config.allMiddlewares()}. Key files ({@code public_key_path}) are
   * read with Vert.x's asynchronous file system, so this never blocks the caller's event loop; a config
   * without key files completes at once. Fails when a key file cannot be read or parsed any more (the
   * validator checked it, but it may have changed since).
   */
  public static Future<Middlewares> build(Vertx vertx, ProxyConfig config) {
    MiddlewareRegistry registry = MiddlewareRegistry.of(vertx);
    List<MiddlewareConfig> configs = List.copyOf(config.allMiddlewares().values());
    List<Future<Middleware>> parts = new ArrayList<>(configs.size());
    for (MiddlewareConfig c : configs) {
      parts.add(create(vertx, c, registry));
    }
    return Future.all(parts).map(all -> {
      Map<String, Middleware> out = new LinkedHashMap<>();
      for (int i = 0; i < configs.size(); i++) {
        out.put(configs.get(i).name(), all.resultAt(i));
      }
      return new Middlewares(out);
    });
  }

  private static Future<Middleware> create(Vertx vertx, MiddlewareConfig config, MiddlewareRegistry registry) {
    // Java 17 has no pattern switch; the sealed interface keeps this list complete.
    if (config instanceof MiddlewareConfig.RateLimiting r) {
      return Future.succeededFuture(new RateLimitMiddleware(r, registry.buckets(r)));
    }
    if (config instanceof MiddlewareConfig.Cors c) {
      return Future.succeededFuture(new CorsMiddleware(c));
    }
    if (config instanceof MiddlewareConfig.IpFilter f) {
      return Future.succeededFuture(new IpFilterMiddleware(f));
    }
    if (config instanceof MiddlewareConfig.Compression c) {
      return Future.succeededFuture(new CompressionMiddleware(c));
    }
    MiddlewareConfig.Authentication a = (MiddlewareConfig.Authentication) config;
    if (a.publicKeyPath().isEmpty()) {
      return Future.succeededFuture(AuthenticationMiddleware.hs256(vertx, a));
    }
    String path = a.publicKeyPath().get();
    return vertx.fileSystem().readFile(path).map(pem -> {
      try {
        return AuthenticationMiddleware.withKey(vertx, a, JwtPublicKey.parse(pem.toString(StandardCharsets.US_ASCII)));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("middleware " + a.name() + ": " + path + " is not a usable JWT public key: "
            + e.getMessage(), e);
      }
    });
  }

  /** Every instance by name, in declaration order. */
  public Map<String, Middleware> all() {
    return byName;
  }

  /**
   * The instances {@code names} lists, in that order: a route's or the load balancer's chain.
   *
   * @throws IllegalStateException for a name this version does not declare (the validator refuses such
   *     configs, so this means a bug)
   */
  public List<Middleware> chain(List<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    List<Middleware> out = new ArrayList<>(names.size());
    for (String n : names) {
      Middleware m = byName.get(n);
      if (m == null) {
        throw new IllegalStateException("middleware " + n + " missing from a validated config");
      }
      out.add(m);
    }
    return List.copyOf(out);
  }
}
