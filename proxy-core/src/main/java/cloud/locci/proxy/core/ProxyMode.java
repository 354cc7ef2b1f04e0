package cloud.locci.proxy.core;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.forward.Decision;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.vertx.core.Vertx;

/**
 * What makes one proxy mode (load balancer, API gateway): how a config version is compiled, and how a
 * request is decided on the compiled form. Everything else (listeners, the snapshot, middlewares,
 * forwarding, errors) is {@link ProxyVerticle}'s, the same for every mode.
 *
 * <p>Implementations are stateless: one instance serves every event loop of the process.
 *
 * @param <T> the compiled form of a config version (the LB's plan, the gateway's routing table); must be
 *     immutable, since every event loop reads the same instance
 */
public interface ProxyMode<T> {

  /**
   * Compiles one config version into the immutable structure requests read. Runs once per config
   * version for the whole process (not per event loop, never per request and never on a health flip:
   * the groups of {@code upstreams} read the current health by themselves), on whichever event loop
   * first saw the version; must not block.
   *
   * @param vertx the process's Vert.x, for process-wide state a compiled form shares (split cursors,
   *     mirror clients); not an event loop of its own
   * @param middlewares the middleware instances of this config version; chains are taken from it by name
   * @throws RuntimeException when the version cannot be compiled (the proxy stays on the previous one)
   */
  T compile(Vertx vertx, ProxyConfig config, Upstreams upstreams, Middlewares middlewares);

  /**
   * Decides what to do with one request, reading only {@code snapshot}. The request is paused; nothing
   * of its body has been read. Runs on the request's event loop for every request: no blocking, no
   * allocation beyond the decision.
   */
  Decision decide(T snapshot, Exchange exchange);

  /** Explains how {@code snapshot} would treat {@code query} (for {@code GET /api/v1/explain}). */
  Explanation explain(T snapshot, ExplainQuery query);
}
