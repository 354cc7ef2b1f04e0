package cloud.locci.proxy.core.forward;

import io.vertx.core.http.HttpMethod;

/**
 * The one place that decides what a failed upstream attempt leads to (SPEC §10 "Connect-phase
 * failover", the route's {@code retries}, and the stale keep-alive connection rule).
 *
 * <ul>
 *   <li>Only failures of the upstream side, before any response byte reached the client, can lead to
 *       another attempt. A client that left or stalled, or a fault of the proxy, ends the exchange.</li>
 *   <li>{@link Phase#CONNECT}: nothing of the request was sent, so any method goes on to another server
 *       of the group ({@link Action#NEXT_SERVER}; the driver picks each server at most once), whatever
 *       {@code retries} says.</li>
 *   <li>{@link Phase#SEND} or {@link Phase#AWAIT_HEAD} on a connection taken from the pool (reused): the
 *       upstream probably closed it while idle. A request that can be sent again (nothing of its body was
 *       read from the client) and that is bodiless or idempotent goes once more, on a fresh connection to
 *       the same server ({@link Action#FRESH_CONNECTION}), whatever {@code retries} says, as nginx and
 *       Go's http.Transport do.</li>
 *   <li>Otherwise, after the request was (partly) sent: another server only while {@code retries}
 *       allows, for idempotent methods whose body was not read yet.</li>
 * </ul>
 */
final class RetryPolicy {

  /** What follows a failed attempt. */
  enum Action {
    /** Try a server of the group not tried yet (connect failover or a {@code retries} attempt). */
    NEXT_SERVER,
    /** Send the request once more to the same server on a newly opened connection. */
    FRESH_CONNECTION,
    /** No further attempt: answer the client with the failure (or cut it). */
    GIVE_UP
  }

  /**
   * What this exchange has already spent.
   *
   * @param retriesUsed attempts made under the route's {@code retries} so far
   * @param retries the route's {@code retries}
   * @param freshUsed whether the one fresh-connection resend was made already
   */
  record Tried(int retriesUsed, int retries, boolean freshUsed) {}

  private RetryPolicy() {}

  /**
   * @param phase where the failed attempt stood
   * @param side who failed
   * @param reused whether the attempt ran on a connection taken from the pool (not opened for it)
   * @param method the request's method
   * @param replayable whether the request can be sent again: nothing of its body was read from the client
   * @param tried what was already spent
   */
  static Action decide(Phase phase, Side side, boolean reused, HttpMethod method, boolean replayable, Tried tried) {
    if (side != Side.UPSTREAM) {
      return Action.GIVE_UP;
    }
    switch (phase) {
      case CONNECT:
        return Action.NEXT_SERVER;
      case SEND:
      case AWAIT_HEAD:
        if (!replayable) {
          return Action.GIVE_UP;
        }
        if (reused && !tried.freshUsed()) {
          // replayable means no body byte was read: the request is bodiless or its body is still unread.
          return Action.FRESH_CONNECTION;
        }
        if (tried.retriesUsed() < tried.retries() && isIdempotent(method)) {
          return Action.NEXT_SERVER;
        }
        return Action.GIVE_UP;
      default:
        return Action.GIVE_UP;
    }
  }

  static boolean isIdempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
        || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
  }
}
