package cloud.locci.proxy.core.policy;

import io.vertx.core.MultiMap;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A route's {@code match_headers} and {@code match_query} (SPEC §11), compiled once per config version.
 * A request matches when every listed header (name case-insensitive; its first value) and every listed
 * query parameter (its first occurrence, name and value percent-decoded, {@code +} as a space, as HTML
 * forms send them) has exactly the value given, or is present at all where the value is {@code "*"}.
 * Values are compared case-sensitively. The query is scanned only when the route has query matchers, and
 * decoded only where it holds a {@code %} or {@code +}.
 */
public final class RequestMatchers {

  /** No matcher: every request matches. */
  public static final RequestMatchers NONE = new RequestMatchers(new String[0], new String[0], new String[0],
      new String[0]);

  /** The value that means "present, with any value". */
  public static final String ANY = "*";

  private final String[] headerNames;
  /** The same names as AsciiStrings: their case-insensitive hash is computed once, not per lookup. */
  private final CharSequence[] headerKeys;
  private final String[] headerValues;
  private final String[] queryNames;
  private final String[] queryValues;

  private RequestMatchers(String[] headerNames, String[] headerValues, String[] queryNames, String[] queryValues) {
    this.headerNames = headerNames;
    this.headerKeys = new CharSequence[headerNames.length];
    for (int i = 0; i < headerNames.length; i++) {
      headerKeys[i] = io.netty.util.AsciiString.cached(headerNames[i]);
    }
    this.headerValues = headerValues;
    this.queryNames = queryNames;
    this.queryValues = queryValues;
  }

  public static RequestMatchers of(Map<String, String> headers, Map<String, String> query) {
    if (headers.isEmpty() && query.isEmpty()) {
      return NONE;
    }
    return new RequestMatchers(headers.keySet().toArray(new String[0]), headers.values().toArray(new String[0]),
        query.keySet().toArray(new String[0]), query.values().toArray(new String[0]));
  }

  public boolean isEmpty() {
    return headerNames.length == 0 && queryNames.length == 0;
  }

  /** The first listed header the request fails, described, or null when all headers match. */
  public String headerMismatch(MultiMap headers) {
    for (int i = 0; i < headerNames.length; i++) {
      String v = headers.get(headerNames[i]);
      if (!accepts(headerValues[i], v)) {
        return "header " + headerNames[i] + (v == null ? " absent" : " is not " + describe(headerValues[i]));
      }
    }
    return null;
  }

  /** The first listed query parameter the request fails, described, or null when all match. */
  public String queryMismatch(String query) {
    for (int i = 0; i < queryNames.length; i++) {
      String v = firstParameter(query, queryNames[i]);
      if (!accepts(queryValues[i], v)) {
        return "query parameter " + queryNames[i] + (v == null ? " absent" : " is not " + describe(queryValues[i]));
      }
    }
    return null;
  }

  /** Whether the request's headers and query string (without '?', or null) satisfy every matcher. */
  public boolean matches(MultiMap headers, String query) {
    for (int i = 0; i < headerKeys.length; i++) {
      if (!accepts(headerValues[i], headers.get(headerKeys[i]))) {
        return false;
      }
    }
    for (int i = 0; i < queryNames.length; i++) {
      if (!accepts(queryValues[i], firstParameter(query, queryNames[i]))) {
        return false;
      }
    }
    return true;
  }

  /** The matchers in words ({@code header X-Canary: 1}, {@code query v: *}), for {@code explain}. */
  public List<String> describe() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < headerNames.length; i++) {
      out.add("header " + headerNames[i] + ": " + headerValues[i]);
    }
    for (int i = 0; i < queryNames.length; i++) {
      out.add("query " + queryNames[i] + ": " + queryValues[i]);
    }
    return out;
  }

  private static String describe(String wanted) {
    return ANY.equals(wanted) ? "present" : "\"" + wanted + "\"";
  }

  private static boolean accepts(String wanted, String actual) {
    return actual != null && (ANY.equals(wanted) || wanted.equals(actual));
  }

  /**
   * The decoded value of the first parameter named {@code name} in {@code query}: {@code ""} when it has
   * no {@code =}, null when it is absent.
   */
  static String firstParameter(String query, String name) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    int start = 0;
    int length = query.length();
    while (start <= length) {
      int amp = query.indexOf('&', start);
      int end = amp < 0 ? length : amp;
      if (end > start) {
        int eq = query.indexOf('=', start);
        int nameEnd = eq < 0 || eq > end ? end : eq;
        if (nameEquals(query, start, nameEnd, name)) {
          return nameEnd == end ? "" : decode(query, nameEnd + 1, end);
        }
      }
      start = end + 1;
    }
    return null;
  }

  private static boolean nameEquals(String query, int from, int to, String name) {
    if (!needsDecoding(query, from, to)) {
      return to - from == name.length() && query.regionMatches(from, name, 0, name.length());
    }
    return decode(query, from, to).equals(name);
  }

  private static boolean needsDecoding(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '%' || c == '+') {
        return true;
      }
    }
    return false;
  }

  /** Percent-decodes {@code s[from, to)} as UTF-8, {@code +} as space; a malformed escape stays as it is. */
  static String decode(String s, int from, int to) {
    if (!needsDecoding(s, from, to)) {
      return s.substring(from, to);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '+') {
        bytes.write(' ');
      } else if (c == '%' && i + 2 < to && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        bytes.write(hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)));
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
