package cloud.locci.proxy.core.forward;

import io.vertx.core.http.HttpHeaders;

/**
 * Why the proxy itself answered instead of the upstream (SPEC §4). The word is stable: it appears in the
 * JSON error body, in {@code X-Locci-Reason}, in the access log and as the {@code reason} label of
 * {@code locci_errors_total}.
 */
public enum Reason {
  ROUTE_NOT_FOUND("route_not_found", 404, "no route matches this request"),
  METHOD_NOT_ALLOWED("method_not_allowed", 405, "method not allowed on this route"),
  RATE_LIMITED("rate_limited", 429, "rate limit exceeded"),
  UNAUTHORIZED("unauthorized", 401, "missing or invalid credentials"),
  UPSTREAM_REFUSED("upstream_refused", 502, "the upstream server refused the connection"),
  UPSTREAM_RESET("upstream_reset", 502, "the upstream server closed the connection before answering"),
  UPSTREAM_TLS("upstream_tls", 502, "TLS handshake with the upstream server failed"),
  NO_HEALTHY_UPSTREAM("no_healthy_upstream", 503, "no healthy server in the upstream group"),
  UPSTREAM_TIMEOUT("upstream_timeout", 504, "the upstream server did not answer in time"),
  BAD_REQUEST("bad_request", 400, "malformed or ambiguous request"),
  HEADER_TIMEOUT("header_timeout", 408, "request head not received in time"),
  HEADER_TOO_LARGE("header_too_large", 431, "request header fields too large"),
  URI_TOO_LONG("uri_too_long", 414, "request line too long"),
  /** SPEC §15: the client sent no body byte for {@code server.body_timeout_secs}; never the server's fault. */
  CLIENT_TIMEOUT("client_timeout", 408, "request body not received in time"),
  /** SPEC §15: the request body is over {@code max_body_size}. */
  BODY_TOO_LARGE("body_too_large", 413, "request body too large"),
  /** SPEC §15: the upstream answered a WebSocket upgrade with an invalid 101. */
  UPSTREAM_PROTOCOL("upstream_protocol", 502, "the upstream server broke the protocol"),
  /** SPEC §11: the ip_filter middleware refused the client address. */
  IP_DENIED("ip_denied", 403, "client address not allowed"),
  /** Not in SPEC §4's list: a fault of the proxy itself (a middleware failed unexpectedly). */
  INTERNAL_ERROR("internal_error", 500, "internal proxy error");

  /** The header that carries the reason word on every proxy-made error (HTTP and gRPC alike). */
  public static final CharSequence HEADER = HttpHeaders.createOptimized("X-Locci-Reason");

  private final String word;
  private final int status;
  private final String message;

  Reason(String word, int status, String message) {
    this.word = word;
    this.status = status;
    this.message = message;
  }

  /** The stable reason word, e.g. {@code upstream_refused}. */
  public String word() {
    return word;
  }

  public int status() {
    return status;
  }

  /** A default human-readable message. */
  public String message() {
    return message;
  }
}
