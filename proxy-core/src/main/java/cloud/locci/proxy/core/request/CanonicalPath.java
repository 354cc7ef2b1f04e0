package cloud.locci.proxy.core.request;

/**
 * The canonical form of a request path (SPEC §15), computed once before anything reads the path:
 * routing, middlewares, {@code excluded_paths} and the upstream all see the same string, so
 * {@code /%61dmin} or {@code //admin} cannot slip past a {@code ^/admin} route that an upstream would
 * serve as {@code /admin}.
 *
 * <ul>
 *   <li>percent-encoded unreserved characters (letters, digits, {@code - . _ ~}) are decoded;
 *   <li>every other escape is kept, with upper-case hex digits;
 *   <li>runs of {@code /} become one;
 *   <li>a {@code .} or {@code ..} segment, literal or encoded, is refused: browsers and HTTP libraries
 *       resolve them before sending, and upstreams would resolve them differently than the routes;
 *   <li>an encoded {@code /}, {@code \} or NUL ({@code %2F}, {@code %5C}, {@code %00}) and a literal
 *       {@code \} are refused unless {@code server.allow_encoded_slashes}; allowed, they are kept as
 *       escapes (never decoded) while the rest of the path is canonicalised as usual;
 *   <li>a malformed escape ({@code %} not followed by two hex digits) and a path that does not start
 *       with {@code /} are refused.
 * </ul>
 *
 * One pass, no regex, and no allocation when the path is already canonical (the usual case).
 */
public final class CanonicalPath {

  /** Either the canonical path, or why the path is refused (then {@code path} is null). */
  public record Result(String path, String problem) {
    static Result ok(String path) {
      return new Result(path, null);
    }

    static Result refused(String problem) {
      return new Result(null, problem);
    }
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private CanonicalPath() {}

  /**
   * The canonical form of {@code raw} (the path part of the request target, as sent, without the query).
   *
   * @param allowEncodedSlashes {@code server.allow_encoded_slashes}
   */
  public static Result of(String raw, boolean allowEncodedSlashes) {
    int n = raw.length();
    if (n == 0) {
      return Result.ok("/");
    }
    if (raw.charAt(0) != '/') {
      return Result.refused("the request target must be a path starting with \"/\"");
    }
    StringBuilder out = null;
    char last = 0;
    for (int i = 0; i < n; i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < n ? hex(raw.charAt(i + 1)) : -1;
        int lo = hi >= 0 ? hex(raw.charAt(i + 2)) : -1;
        if (lo < 0) {
          return Result.refused("malformed percent-encoding in the path");
        }
        int v = hi << 4 | lo;
        if ((v == '/' || v == '\\' || v == 0) && !allowEncodedSlashes) {
          return Result.refused("the path contains an encoded \"/\", \"\\\" or NUL (%2F, %5C, %00);"
              + " server.allow_encoded_slashes is false");
        }
        if (isUnreserved(v)) {
          if (out == null) {
            out = new StringBuilder(n).append(raw, 0, i);
          }
          out.append((char) v);
          last = (char) v;
        } else {
          char h = HEX[hi];
          char l = HEX[lo];
          if (out == null && (h != raw.charAt(i + 1) || l != raw.charAt(i + 2))) {
            out = new StringBuilder(n).append(raw, 0, i);
          }
          if (out != null) {
            out.append('%').append(h).append(l);
          }
          last = l;
        }
        i += 2;
        continue;
      }
      if (c == '\\' && !allowEncodedSlashes) {
        return Result.refused("the path contains \"\\\"; server.allow_encoded_slashes is false");
      }
      if (c == '/' && last == '/') {
        if (out == null) {
          out = new StringBuilder(n).append(raw, 0, i);
        }
        continue;
      }
      if (out != null) {
        out.append(c);
      }
      last = c;
    }
    String path = out == null ? raw : out.toString();
    if (hasDotSegment(path)) {
      return Result.refused("the path contains \".\" or \"..\" segments; send the resolved path");
    }
    return Result.ok(path);
  }

  /** True when a segment of {@code path} (already decoded: {@code %2e} is {@code .}) is . or .. */
  static boolean hasDotSegment(String path) {
    int n = path.length();
    int i = path.indexOf('.');
    while (i >= 0) {
      int start = i;
      while (i < n && path.charAt(i) == '.') {
        i++;
      }
      int dots = i - start;
      if (dots <= 2 && path.charAt(start - 1) == '/' && (i == n || path.charAt(i) == '/')) {
        return true;
      }
      i = path.indexOf('.', i);
    }
    return false;
  }

  private static boolean isUnreserved(int c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
        || c == '-' || c == '.' || c == '_' || c == '~';
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
