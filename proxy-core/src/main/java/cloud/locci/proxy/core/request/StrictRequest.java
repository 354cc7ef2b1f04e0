package cloud.locci.proxy.core.request;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import java.util.Iterator;
import java.util.Map;

/**
 * The strict-request rules of SPEC §10 and §15, checked on every request before routing, whatever its
 * protocol: Netty's HTTP/1.1 decoder lets a NUL or a lone control character through in the request
 * target and header values, and its HTTP/2 decoder checks header names only, so a CR/LF in an HTTP/2
 * header value or pseudo-header would otherwise reach the upstream client (which throws on it after a
 * pooled connection was taken) and the text access log.
 *
 * <ul>
 *   <li>the request target: no control character, no space, no DEL (HTTP/2's {@code :path} included);
 *   <li>the method ({@code :method}): a token, so no space or control character;
 *   <li>header names and values: no control character other than tab in a value, no DEL;
 *   <li>Host: exactly one, well-formed ({@code host[:port]}, an IP literal in brackets, no userinfo)
 *       on HTTP/1.1 and HTTP/2 ({@code :authority} or {@code host}); HTTP/1.0 may omit it.
 * </ul>
 */
public final class StrictRequest {

  private StrictRequest() {}

  /** Why {@code request} is refused with 400, or null when it passes. Reads the head only. */
  public static String problem(HttpServerRequest request) {
    String method = request.method().name();
    if (method.isEmpty() || !isToken(method)) {
      return "the method is not a token";
    }
    String uri = request.uri();
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        return "the request target contains a space or a control character";
      }
    }
    MultiMap headers = request.headers();
    boolean http2 = request.version() == HttpVersion.HTTP_2;
    // One pass, reading names and values as stored (HeaderEntries: no String per header), that also
    // counts the Host fields, which getAll(HOST) would have collected into a new list.
    int hosts = 0;
    CharSequence firstHost = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = HeaderEntries.of(headers); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> h = it.next();
      CharSequence name = h.getKey();
      if (name.length() == 0 || !isToken(name) && !(http2 && isPseudo(name))) {
        return "a header name is not a token";
      }
      CharSequence value = h.getValue();
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c < ' ' && c != '\t' || c == 0x7f) {
          return "the value of header " + name + " contains a control character";
        }
      }
      if (HeaderEntries.nameIs(name, "host") && hosts++ == 0) {
        firstHost = value;
      }
    }
    return hostProblem(request, hosts, firstHost);
  }

  private static String hostProblem(HttpServerRequest request, int hosts, CharSequence firstHost) {
    if (hosts > 1) {
      return "more than one Host header";
    }
    HttpVersion version = request.version();
    if (version == HttpVersion.HTTP_2) {
      HostAndPort authority = request.authority();
      if (authority == null) {
        return "no :authority (or Host)";
      }
      return isHost(authority.host()) ? null : "malformed :authority";
    }
    if (hosts == 0) {
      return version == HttpVersion.HTTP_1_0 ? null : "no Host header (RFC 9112 §3.2)";
    }
    return isAuthority(firstHost.toString()) ? null : "malformed Host header";
  }

  /** {@code host[:port]} as RFC 9110 §7.2 allows it in Host: no userinfo, no path, a port of 1-5 digits. */
  static boolean isAuthority(String a) {
    int n = a.length();
    int hostEnd;
    if (n > 0 && a.charAt(0) == '[') {
      hostEnd = a.indexOf(']');
      if (hostEnd < 0 || !isIpLiteral(a, 1, hostEnd)) {
        return false;
      }
      hostEnd++;
    } else {
      int colon = a.lastIndexOf(':');
      hostEnd = colon < 0 ? n : colon;
      if (!isRegName(a, 0, hostEnd)) {
        return false;
      }
    }
    if (hostEnd == n) {
      return true;
    }
    if (a.charAt(hostEnd) != ':') {
      return false;
    }
    int digits = n - hostEnd - 1;
    if (digits == 0) {
      return true; // "host:" is allowed by the grammar (empty port)
    }
    if (digits > 5) {
      return false;
    }
    int port = 0;
    for (int i = hostEnd + 1; i < n; i++) {
      char c = a.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + c - '0';
    }
    return port <= 65535;
  }

  /** A host as Vert.x parsed it from {@code :authority}: a name or an IP literal (brackets optional). */
  private static boolean isHost(String h) {
    if (h.startsWith("[") && h.endsWith("]")) {
      return isIpLiteral(h, 1, h.length() - 1);
    }
    return h.indexOf(':') >= 0 ? isIpLiteral(h, 0, h.length()) : isRegName(h, 0, h.length());
  }

  /** reg-name: unreserved, sub-delims and pct-encoded; not empty. */
  private static boolean isRegName(String s, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || "-._~!$&'()*+,;=%".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean isIpLiteral(String s, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPseudo(CharSequence name) {
    return name.length() > 1 && name.charAt(0) == ':' && isToken(name, 1);
  }

  /** RFC 9110 §5.6.2 token characters. */
  static boolean isToken(CharSequence s) {
    return isToken(s, 0);
  }

  private static boolean isToken(CharSequence s, int from) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
