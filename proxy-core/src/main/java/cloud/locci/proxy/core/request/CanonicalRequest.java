package cloud.locci.proxy.core.request;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;
import io.vertx.core.net.HostAndPort;

/**
 * A client request seen through its canonical path and host: {@link #path()} and {@link #uri()} give
 * the canonical path (and the query as sent), {@link #authority()} the host lower-cased without a
 * trailing dot. Everything after admission reads the request through this view (routing, middlewares,
 * the load balancer's target, the Host sent upstream, the access log), so no reader can see another
 * path than the one routed on. Everything else is the client's request itself.
 *
 * <p>Built on Vert.x's {@code HttpServerRequestWrapper} (an internal class, meant for such views): the
 * wrapper passes the body, the response and upgrades to the real request.
 */
final class CanonicalRequest extends HttpServerRequestWrapper {

  private final String path;
  private final String uri;
  private final HostAndPort authority;

  private CanonicalRequest(HttpServerRequestInternal delegate, String path, HostAndPort authority) {
    super(delegate);
    this.path = path;
    String query = delegate.query();
    this.uri = query == null ? path : path + "?" + query;
    this.authority = authority;
  }

  /**
   * {@code request} itself when its target is already in canonical origin form and its host already
   * normalised (the usual case, costing nothing), else a view with {@code canonicalPath}.
   */
  static HttpServerRequest of(HttpServerRequest request, String canonicalPath) {
    HostAndPort authority = request.authority();
    HostAndPort host = normalHost(authority);
    String uri = request.uri();
    boolean originForm = uri.startsWith("/");
    if (host == authority && originForm && canonicalPath.equals(request.path())) {
      return request;
    }
    return new CanonicalRequest((HttpServerRequestInternal) request, canonicalPath, host);
  }

  /** {@code a} itself when its host is lower case without a trailing dot, else the normalised copy. */
  private static HostAndPort normalHost(HostAndPort a) {
    if (a == null) {
      return null;
    }
    String h = a.host();
    int n = h.length();
    boolean change = n > 1 && h.charAt(n - 1) == '.';
    for (int i = 0; i < n && !change; i++) {
      char c = h.charAt(i);
      change = c >= 'A' && c <= 'Z';
    }
    if (!change) {
      return a;
    }
    String lower = h.toLowerCase(java.util.Locale.ROOT);
    if (n > 1 && lower.charAt(n - 1) == '.') {
      lower = lower.substring(0, n - 1);
    }
    return HostAndPort.create(lower, a.port());
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public HostAndPort authority() {
    return authority;
  }

  @Override
  public HostAndPort authority(boolean real) {
    return real ? delegate.authority(true) : authority;
  }
}
