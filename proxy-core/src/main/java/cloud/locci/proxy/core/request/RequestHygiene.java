package cloud.locci.proxy.core.request;

import cloud.locci.proxy.core.config.ServerConfig;
import io.vertx.core.http.HttpServerRequest;

/**
 * What is checked and normalised on every request before it is routed (SPEC §10, §15), in this order:
 * the strict-request rules ({@link StrictRequest}), the canonical path ({@link CanonicalPath}), the
 * client headers the proxy does not believe ({@link ClientHeaders}), and the canonical view of the
 * request ({@link CanonicalRequest}) that everything after reads. Built once per config version from
 * the {@code server} section; immutable, shared by the requests of that version.
 */
public final class RequestHygiene {

  /**
   * The outcome for one request.
   *
   * @param request the request to route (a canonical view of the client's), or the client's own when refused
   * @param problem null when admitted; else why the request is a 400 {@code bad_request}
   */
  public record Admission(HttpServerRequest request, String problem) {}

  private final boolean allowEncodedSlashes;
  private final ClientHeaders clientHeaders;

  private RequestHygiene(boolean allowEncodedSlashes, ClientHeaders clientHeaders) {
    this.allowEncodedSlashes = allowEncodedSlashes;
    this.clientHeaders = clientHeaders;
  }

  public static RequestHygiene of(ServerConfig server) {
    return new RequestHygiene(server.allowEncodedSlashes(),
        new ClientHeaders(server.underscoresInHeaders(), server.trustedProxies()));
  }

  /**
   * Checks {@code request} (paused, head only) and, when it passes, removes the client headers the
   * proxy does not believe and returns the view to route. Runs on the request's event loop.
   */
  public Admission admit(HttpServerRequest request) {
    String problem = StrictRequest.problem(request);
    if (problem != null) {
      return new Admission(request, problem);
    }
    if (request.uri().equals("*")) {
      // OPTIONS * (asterisk form) has no path to canonicalise; no route pattern starts with "*".
      clientHeaders.sanitize(request);
      return new Admission(request, null);
    }
    CanonicalPath.Result path = CanonicalPath.of(request.path(), allowEncodedSlashes);
    if (path.problem() != null) {
      return new Admission(request, path.problem());
    }
    clientHeaders.sanitize(request);
    return new Admission(CanonicalRequest.of(request, path.path()), null);
  }
}
