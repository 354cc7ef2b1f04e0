package cloud.locci.proxy.core.forward;

/**
 * Where one upstream exchange stands; {@link ExchangeDriver}'s abort path reads it to decide what a
 * failure means (may it go to another server, may the request be sent again, must the client be cut).
 */
enum Phase {
  /** Picking a server of the group. */
  SELECT,
  /** Waiting for a pooled connection or opening one (TCP, then TLS): nothing of the request was sent. */
  CONNECT,
  /** Writing the request head and body upstream. */
  SEND,
  /** The request is sent; waiting for the response head. */
  AWAIT_HEAD,
  /** The response head went to the client; its body is streaming. */
  STREAM,
  /** A WebSocket upgrade succeeded: raw bytes both ways. */
  TUNNEL,
  /** Over: the client has its answer (or was cut), everything held is released. */
  DONE;

  /** Whether nothing of the response has reached the client yet, so the proxy may still answer itself. */
  boolean beforeResponse() {
    return this.compareTo(STREAM) < 0;
  }
}
