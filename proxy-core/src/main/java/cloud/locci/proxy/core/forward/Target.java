package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.upstream.UpstreamGroup;
import java.util.Objects;

/**
 * Where one request goes, as decided by the load balancer or the routing table.
 *
 * @param route the route name, or {@code ""} in load-balancer mode (used in logs and metrics)
 * @param group the upstream group that serves it
 * @param uri path and query to send upstream (after strip_prefix)
 * @param timeoutMs time the upstream has between two reads, including before the response head
 * @param retries extra attempts on other servers after a failure once the request was sent (idempotent
 *     methods only); connect failures always fail over, whatever this says
 * @param maxBodySize request body bytes allowed on this route; 0 is unlimited, -1 takes
 *     {@code server.max_body_size}
 */
public record Target(String route, UpstreamGroup group, String uri, long timeoutMs, int retries, long maxBodySize) {
  public Target {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(uri, "uri");
  }

  /** A target without a body limit of its own ({@code server.max_body_size} applies). */
  public Target(String route, UpstreamGroup group, String uri, long timeoutMs, int retries) {
    this(route, group, uri, timeoutMs, retries, -1);
  }
}
