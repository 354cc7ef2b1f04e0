package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.forward.Reason;
import io.vertx.core.MultiMap;

/** What a {@link Middleware} decided about one request. */
public sealed interface Verdict {

  /** Go on with the next middleware, then forward. */
  Verdict CONTINUE = new Continue();

  record Continue() implements Verdict {}

  /**
   * Refuse with the proxy's JSON error for {@code reason} (401, 429, ...).
   *
   * @param headers extra headers for this answer, e.g. {@code WWW-Authenticate}, {@code Retry-After}; may be null
   */
  record Reject(Reason reason, String message, MultiMap headers) implements Verdict {}

  /**
   * Answer without a body and without reaching the upstream (a CORS preflight's 204).
   *
   * @param headers the answer's headers; may be null
   */
  record Respond(int status, MultiMap headers) implements Verdict {}
}
