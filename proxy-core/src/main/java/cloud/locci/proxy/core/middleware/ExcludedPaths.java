package cloud.locci.proxy.core.middleware;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code excluded_paths} of an authentication middleware (SPEC §10): an entry matches the request
 * path exactly, or, when it ends in {@code /*}, as a prefix: {@code /auth/open/*} matches
 * {@code /auth/open} and everything under {@code /auth/open/}, but not {@code /auth/openX}. The path is
 * the client's (before any {@code strip_prefix}), without the query.
 *
 * <p>Only a path in plain form can be excluded. The upstream may normalise what the proxy forwards
 * ({@code /auth/open/../admin} becomes {@code /admin}, and some servers also decode {@code %2e},
 * {@code %2f}, read {@code \} as {@code /} or cut at {@code ;}), so a path with a dot segment, an empty
 * segment, a backslash, a {@code ;} or {@code #}, or an encoded dot, slash or backslash is never
 * excluded: it needs a token like any other. Nothing is rewritten; the request goes on as it came.
 */
final class ExcludedPaths {

  private final Set<String> exact;
  private final List<String> prefixes;

  ExcludedPaths(List<String> entries) {
    Set<String> e = new HashSet<>();
    List<String> p = new ArrayList<>();
    for (String entry : entries) {
      if (entry.endsWith("/*")) {
        String dir = entry.substring(0, entry.length() - 1);
        p.add(dir);
        // "/auth/open/*" also covers "/auth/open" itself; "/*" covers "/".
        e.add(dir.length() > 1 ? dir.substring(0, dir.length() - 1) : dir);
      } else {
        e.add(entry);
      }
    }
    this.exact = Set.copyOf(e);
    this.prefixes = List.copyOf(p);
  }

  /** Whether {@code path} needs no token. */
  boolean matches(String path) {
    if (exact.isEmpty() && prefixes.isEmpty()) {
      return false;
    }
    if (!isPlain(path)) {
      return false;
    }
    if (exact.contains(path)) {
      return true;
    }
    for (String prefix : prefixes) {
      if (path.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when {@code path} starts with {@code /} and no server could read it as another path: no
   * {@code .} or {@code ..} segment, no {@code //}, no {@code \}, {@code ;} or {@code #}, no {@code %2e},
   * {@code %2f} or {@code %5c} in any case.
   */
  static boolean isPlain(String path) {
    int n = path.length();
    if (n == 0 || path.charAt(0) != '/') {
      return false;
    }
    int segmentStart = 1;
    for (int i = 1; i <= n; i++) {
      char c = i < n ? path.charAt(i) : '/';
      if (c == '\\' || c == ';' || c == '#') {
        return false;
      }
      if (c == '%' && i + 2 < n && isEncodedSeparator(path.charAt(i + 1), path.charAt(i + 2))) {
        return false;
      }
      if (c == '/') {
        int len = i - segmentStart;
        if (len == 0 && i < n) {
          return false;
        }
        if (len == 1 && path.charAt(segmentStart) == '.' || len == 2 && path.startsWith("..", segmentStart)) {
          return false;
        }
        segmentStart = i + 1;
      }
    }
    return true;
  }

  /** {@code %2e}, {@code %2f} or {@code %5c} in any case: an encoded dot, slash or backslash. */
  private static boolean isEncodedSeparator(char hi, char lo) {
    char l = Character.toLowerCase(lo);
    return hi == '2' && (l == 'e' || l == 'f') || hi == '5' && l == 'c';
  }
}
