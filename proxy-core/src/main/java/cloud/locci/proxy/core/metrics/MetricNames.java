package cloud.locci.proxy.core.metrics;

/**
 * The proxy's own meter names and label keys (SPEC §8), in Micrometer's dotted form; the Prometheus
 * registry exposes them under the names given in each comment. Labels carry only bounded values: route
 * and upstream names from the configuration, server addresses, normalised methods, status codes,
 * outcome and reason words. Never a raw path.
 */
public final class MetricNames {

  private MetricNames() {}

  /**
   * Counter {@code locci_requests_total{route,upstream,method,status,client_protocol,upstream_protocol}}:
   * finished client requests; the protocols are {@code http1}, {@code h2c} or {@code h2} (SPEC §12), the
   * upstream's {@code ""} when the request reached none.
   */
  public static final String REQUESTS = "locci.requests";

  /** Histogram {@code locci_request_duration_seconds{route,upstream}}: client request to response end. */
  public static final String REQUEST_DURATION = "locci.request.duration";

  /**
   * Counter {@code locci_upstream_requests_total{upstream,server,outcome}}: attempts on one server (a
   * request that failed over counts once per server tried);
   * outcome is {@code ok}, {@code status_5xx}, a reason word ({@code upstream_refused},
   * {@code upstream_reset}, {@code upstream_timeout}, {@code upstream_tls}) or {@code aborted}.
   */
  public static final String UPSTREAM_REQUESTS = "locci.upstream.requests";

  /** Gauge {@code locci_upstream_health{upstream,server}}: 1 while the server is in rotation, else 0. */
  public static final String UPSTREAM_HEALTH = "locci.upstream.health";

  /** Gauge {@code locci_active_connections}: client connections open now, all instances together. */
  public static final String ACTIVE_CONNECTIONS = "locci.active.connections";

  /**
   * Gauge {@code locci_acme_certificate_expiry_seconds{domain}}: when the CA's certificate served for an
   * ACME domain expires, in Unix seconds (alert on {@code locci_acme_certificate_expiry_seconds - time()});
   * absent while the domain has none from the CA yet.
   */
  public static final String ACME_CERTIFICATE_EXPIRY = "locci.acme.certificate.expiry";

  /** Counter {@code locci_config_reloads_total{result}}: reloads of the file; result success or failure. */
  public static final String CONFIG_RELOADS = "locci.config.reloads";

  /** Counter {@code locci_errors_total{route,reason}}: answers the proxy made itself; route "" when none. */
  public static final String ERRORS = "locci.errors";

  /**
   * Counter {@code locci_tracing_spans_dropped_total}: spans never exported because the tracing export
   * queue was full (collector slow or down); 0 while tracing is off.
   */
  public static final String TRACING_SPANS_DROPPED = "locci.tracing.spans.dropped";

  /**
   * Counter {@code locci_mirror_requests_total{route,outcome}}: copies of a route's requests for its
   * mirror; outcome {@code sent} (the mirror answered), {@code failed} (no healthy server, refused, cut,
   * timed out) or {@code skipped} (not made: body over 1 MiB, too many copies in flight, request incomplete).
   */
  public static final String MIRROR_REQUESTS = "locci.mirror.requests";

  public static final String ROUTE = "route";
  public static final String UPSTREAM = "upstream";
  public static final String METHOD = "method";
  public static final String STATUS = "status";
  public static final String SERVER = "server";
  public static final String OUTCOME = "outcome";
  public static final String RESULT = "result";
  public static final String REASON = "reason";
  public static final String CLIENT_PROTOCOL = "client_protocol";
  public static final String UPSTREAM_PROTOCOL = "upstream_protocol";
}
