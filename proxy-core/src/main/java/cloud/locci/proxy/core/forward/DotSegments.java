package cloud.locci.proxy.core.forward;

/**
 * Finds dot segments ({@code /./}, {@code /../}, also percent-encoded as {@code %2e}) in a request path.
 * Routes and {@code excluded_paths} match the path as sent, while upstreams usually resolve dot
 * segments: {@code /public/../admin} would match a {@code ^/public} route and reach {@code /admin}. Browsers
 * and HTTP libraries remove dot segments before sending, so the proxy refuses paths that still have
 * them (400) rather than guess how the upstream reads them.
 */
public final class DotSegments {

  private DotSegments() {}

  /** True when a segment of {@code path} is {@code .} or {@code ..}, literally or percent-encoded. */
  public static boolean in(String path) {
    if (path.indexOf('.') < 0 && path.indexOf('%') < 0) {
      return false;
    }
    int start = 0;
    int n = path.length();
    while (start <= n) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      if (isDots(path, start, end)) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  private static boolean isDots(String p, int from, int to) {
    int dots = 0;
    int i = from;
    while (i < to) {
      if (p.charAt(i) == '.') {
        i++;
      } else if (i + 3 <= to && p.charAt(i) == '%' && p.charAt(i + 1) == '2' && (p.charAt(i + 2) | 0x20) == 'e') {
        i += 3;
      } else {
        return false;
      }
      if (++dots > 2) {
        return false;
      }
    }
    return dots > 0;
  }
}
