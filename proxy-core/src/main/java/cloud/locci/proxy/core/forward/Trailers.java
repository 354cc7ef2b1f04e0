package cloud.locci.proxy.core.forward;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.Map;

/**
 * Response trailers across the proxy (SPEC §12). The upstream's trailers (an HTTP/2 trailing HEADERS
 * frame, or an HTTP/1.1 chunked body's trailer section) go to the client after the body when the client
 * can take them: always over HTTP/2; over HTTP/1.1 only in a chunked response to a client that said
 * {@code TE: trailers}. Otherwise they are dropped, never merged into the head, which has already gone.
 *
 * <p>Fields that must not be trailers (RFC 9110 §6.5.1: framing, routing, content description, the
 * hop-by-hop headers) are dropped from them either way.
 */
final class Trailers {

  private Trailers() {}

  /** Puts {@code trailers} on {@code request}'s response when its client can take them. */
  static void copy(MultiMap trailers, HttpServerRequest request) {
    if (trailers == null || trailers.isEmpty()) {
      return;
    }
    HttpServerResponse response = request.response();
    if (!accepted(request, response)) {
      return;
    }
    for (Map.Entry<String, String> t : trailers) {
      if (allowed(t.getKey())) {
        response.trailers().add(t.getKey(), t.getValue());
      }
    }
  }

  /** HTTP/2 always; HTTP/1.1 in a chunked response to a client that sent {@code TE: trailers}. */
  static boolean accepted(HttpServerRequest request, HttpServerResponse response) {
    if (request.version() == HttpVersion.HTTP_2) {
      return true;
    }
    return request.version() == HttpVersion.HTTP_1_1 && response.isChunked() && saysTrailers(request.headers());
  }

  /** Whether the {@code TE} header lists {@code trailers} (RFC 9110 §10.1.4). */
  static boolean saysTrailers(MultiMap headers) {
    for (String te : headers.getAll("te")) {
      int from = 0;
      while (from <= te.length()) {
        int comma = te.indexOf(',', from);
        int to = comma < 0 ? te.length() : comma;
        int semi = te.indexOf(';', from);
        int end = semi >= 0 && semi < to ? semi : to;
        if (te.substring(from, end).trim().equalsIgnoreCase("trailers")) {
          return true;
        }
        from = to + 1;
      }
    }
    return false;
  }

  /** A field that may travel as a trailer. */
  static boolean allowed(String name) {
    if (HeaderRules.classify(name) != HeaderRules.END_TO_END) { // hop-by-hop, Host and the proxy's own request headers
      return false;
    }
    return !(name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("content-type")
        || name.equalsIgnoreCase("content-encoding") || name.equalsIgnoreCase("content-range")
        || name.equalsIgnoreCase("authorization") || name.equalsIgnoreCase("set-cookie")
        || name.equalsIgnoreCase("cache-control") || name.equalsIgnoreCase("expires")
        || name.equalsIgnoreCase("location") || name.equalsIgnoreCase("retry-after")
        || name.equalsIgnoreCase("www-authenticate") || name.equalsIgnoreCase("vary"));
  }
}
