package cloud.locci.proxy.core.forward;

/** Which side of an exchange failed: its cause decides whom a failure is counted against. */
enum Side {
  /** The client: left, stalled its body, sent too much. Never counted against a server. */
  CLIENT,
  /** The upstream server or the connection to it. Counts towards passive ejection. */
  UPSTREAM,
  /** The proxy itself (an unexpected exception): answered 500, never retried. */
  PROXY
}
