package cloud.locci.proxy.core;

import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.forward.Forwarder;
import cloud.locci.proxy.core.health.CurrentHealth;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.request.RequestHygiene;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one owner of a proxy deployment's compiled configuration: each config version is compiled once
 * for the whole process (middlewares built, the mode's table compiled, the request rules derived) and
 * published through one reference, which every request reads once and keeps for its whole life. Health
 * is not part of it: upstream groups read the process's {@link CurrentHealth} at each selection, so a
 * health flip recompiles nothing.
 *
 * <p>Shared by the proxy instances of one deployment (each event loop's {@link ProxyVerticle}); whichever
 * instance first sees a new version compiles it, on its own event loop, and the others wait for that
 * compilation instead of repeating it. Thread-safe.
 *
 * @param <T> the mode's compiled form
 */
public final class Snapshots<T> {

  /**
   * One compiled config version: what a request reads, once.
   *
   * @param config the version it was compiled from
   * @param compiled the mode's compiled form
   * @param hygiene the request rules of {@code server}
   * @param limits what a client is allowed ({@code server} timeouts and body size)
   */
  record Snapshot<T>(VersionedConfig config, T compiled, RequestHygiene hygiene, Forwarder.ClientLimits limits) {
    long version() {
      return config.version();
    }
  }

  private final ProxyMode<T> mode;
  private final AtomicReference<Snapshot<T>> current = new AtomicReference<>();
  /** The version being compiled and its outcome; null when none is. Guarded by {@code this}. */
  private long compiling;
  private Future<Snapshot<T>> compilation;
  /** The newest version that failed to compile: not tried again (each event and request would). */
  private long failed;
  private Throwable failure;

  public Snapshots(ProxyMode<T> mode) {
    this.mode = mode;
  }

  public ProxyMode<T> mode() {
    return mode;
  }

  /** The newest compiled version; null before the first one. One volatile read. */
  Snapshot<T> current() {
    return current.get();
  }

  /**
   * Makes {@code next} the current version unless it is one already compiled or older. Compiles it here
   * unless another instance is compiling it (or a newer one) already, in which case the answer is that
   * compilation's.
   *
   * @return the snapshot current once this is over (for {@code next} or newer); fails when {@code next}
   *     could not be compiled (the current version stays)
   */
  Future<Snapshot<T>> install(Vertx vertx, VersionedConfig next) {
    Snapshot<T> now = current.get();
    if (now != null && now.version() >= next.version()) {
      return Future.succeededFuture(now);
    }
    Promise<Snapshot<T>> mine;
    synchronized (this) {
      if (compilation != null && compiling >= next.version()) {
        return compilation;
      }
      if (next.version() <= failed) {
        return Future.failedFuture(failure);
      }
      mine = Promise.promise();
      compiling = next.version();
      compilation = mine.future();
    }
    Middlewares.build(vertx, next.config()).map(built -> {
      UpstreamRegistry registry = UpstreamRegistry.of(vertx);
      Upstreams upstreams = Upstreams.build(next.config(), CurrentHealth.of(vertx)::get, registry);
      return new Snapshot<>(next, mode.compile(vertx, next.config(), upstreams, built),
          RequestHygiene.of(next.config().server()), Forwarder.ClientLimits.of(next.config().server()));
    }).onComplete(ar -> {
      Snapshot<T> result;
      if (ar.succeeded()) {
        Snapshot<T> compiled = ar.result();
        result = current.accumulateAndGet(compiled,
            (have, offered) -> have == null || offered.version() > have.version() ? offered : have);
      } else {
        result = null;
      }
      synchronized (this) {
        if (compilation == mine.future()) {
          compilation = null;
          compiling = 0;
        }
        if (result == null && next.version() > failed) {
          failed = next.version();
          failure = ar.cause();
        }
      }
      if (result != null) {
        mine.complete(result);
      } else {
        mine.fail(ar.cause());
      }
    });
    return mine.future();
  }
}
