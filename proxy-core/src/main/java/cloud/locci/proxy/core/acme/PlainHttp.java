package cloud.locci.proxy.core.acme;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.util.regex.Pattern;

/**
 * What the plain listener ({@code server.http_bind_address}) answers itself, before routing: ACME
 * http-01 challenges, and with {@code https_redirect} a 308 to https for everything else.
 */
public final class PlainHttp {

  static final String CHALLENGE_PATH = "/.well-known/acme-challenge/";
  // RFC 8555 tokens are base64url; anything else is not a token we could have issued.
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,256}");
  // A host name or an IPv4 address (letters, digits, dots, hyphens), or a bracketed IPv6 literal.
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");

  private PlainHttp() {}

  /**
   * Answers {@code request} when it is an ACME http-01 challenge: the key authorization, or 404 for a
   * token that is not pending. Returns false for every other path (the caller goes on).
   */
  public static boolean challenge(HttpServerRequest request, AcmeChallenges challenges) {
    String path = request.path();
    if (path == null || !path.startsWith(CHALLENGE_PATH)) {
      return false;
    }
    String token = path.substring(CHALLENGE_PATH.length());
    String answer = TOKEN.matcher(token).matches() ? challenges.keyAuthorization(token) : null;
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
      end(request, 405, "only GET and HEAD\n");
      return true;
    }
    if (answer == null) {
      end(request, 404, "no such ACME challenge\n");
    } else {
      end(request, 200, answer);
    }
    return true;
  }

  /**
   * Redirects {@code request} with 308 to the same host, path and query over https on {@code httpsPort}
   * (omitted when 443). A request without a usable Host gets 400: there is nowhere to send it.
   */
  public static void redirect(HttpServerRequest request, int httpsPort) {
    HostAndPort authority = request.authority();
    String host = authority == null ? null : authority.host();
    if (host == null || !HOST.matcher(host).matches()) {
      end(request, 400, "a Host header is required to redirect to https\n");
      return;
    }
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    String path = request.path() == null || request.path().isEmpty() ? "/" : request.path();
    String query = request.query();
    String location = "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + path
        + (query == null ? "" : "?" + query);
    request.response().setStatusCode(308).putHeader(HttpHeaders.LOCATION, location)
        .putHeader(HttpHeaders.CONTENT_LENGTH, "0").end();
  }

  private static void end(HttpServerRequest request, int status, String body) {
    request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(body);
  }
}
