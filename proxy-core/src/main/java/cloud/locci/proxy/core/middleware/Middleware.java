package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.forward.Exchange;
import io.vertx.core.Future;

/**
 * One middleware instance of a route (or of every request in load-balancer mode). Instances run in
 * the listed order before the request is forwarded; the first that does not answer
 * {@link Verdict#CONTINUE} decides the response and the rest do not run.
 *
 * <p>A middleware may add headers for the client's response ({@link Exchange#responseHeaders()}, also
 * sent on error answers) and change what the upstream receives ({@link Exchange#setUpstreamHeader},
 * {@link Exchange#removeUpstreamHeader}). It runs on the request's event loop and must not block; any
 * state it keeps across requests is process-wide and thread-safe.
 */
public interface Middleware {

  /** The instance name from the configuration. */
  String name();

  /** Decides whether the request goes on. The request is paused: its body is not read here. */
  Future<Verdict> onRequest(Exchange exchange);
}
