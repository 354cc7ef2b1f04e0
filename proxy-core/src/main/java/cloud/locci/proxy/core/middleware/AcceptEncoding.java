package cloud.locci.proxy.core.middleware;

import java.util.List;

/**
 * Reads {@code Accept-Encoding} (RFC 9110 §12.5.3) for the one question the proxy asks: may the answer
 * be gzipped? Yes when {@code gzip} (or its alias {@code x-gzip}) is listed with a q-value above 0, or,
 * when it is not listed, {@code *} is, with a q-value above 0. {@code q=0} refuses. An element with an
 * unreadable q-value counts as absent. No regular expression, one pass, no allocation beyond the trims.
 */
final class AcceptEncoding {

  private AcceptEncoding() {}

  static boolean acceptsGzip(List<String> values) {
    int gzip = -1; // -1 not listed, 0 refused, 1 accepted
    int star = -1;
    for (String value : values) {
      int start = 0;
      while (start <= value.length()) {
        int comma = value.indexOf(',', start);
        int end = comma < 0 ? value.length() : comma;
        int verdict = element(value, start, end);
        if (verdict != NOT_READ) {
          int semi = value.indexOf(';', start);
          int nameEnd = semi >= 0 && semi < end ? semi : end;
          String name = value.substring(start, nameEnd).trim();
          if (name.equalsIgnoreCase("gzip") || name.equalsIgnoreCase("x-gzip")) {
            gzip = Math.max(gzip, verdict);
          } else if (name.equals("*")) {
            star = Math.max(star, verdict);
          }
        }
        if (comma < 0) {
          break;
        }
        start = comma + 1;
      }
    }
    return gzip == 1 || gzip == -1 && star == 1;
  }

  private static final int NOT_READ = -1;

  /** 1 when the element {@code value[start, end)} has q > 0 (or no q), 0 for q = 0, NOT_READ when unreadable. */
  private static int element(String value, int start, int end) {
    int semi = value.indexOf(';', start);
    if (semi < 0 || semi >= end) {
      return 1;
    }
    // Parameters: only q matters; "q=0", "q=0.000", "q=0.5", "q=1", "q=1.0".
    int p = semi + 1;
    while (p < end) {
      int next = value.indexOf(';', p);
      int paramEnd = next < 0 || next >= end ? end : next;
      String param = value.substring(p, paramEnd).trim();
      if (param.length() >= 2 && (param.charAt(0) == 'q' || param.charAt(0) == 'Q') && param.charAt(1) == '=') {
        return qValue(param.substring(2).trim());
      }
      p = paramEnd + 1;
    }
    return 1;
  }

  private static int qValue(String q) {
    if (q.isEmpty() || q.length() > 5) {
      return NOT_READ;
    }
    char first = q.charAt(0);
    if (first != '0' && first != '1') {
      return NOT_READ;
    }
    boolean positive = first == '1';
    if (q.length() > 1) {
      if (q.charAt(1) != '.') {
        return NOT_READ;
      }
      for (int i = 2; i < q.length(); i++) {
        char c = q.charAt(i);
        if (c < '0' || c > '9' || first == '1' && c != '0') {
          return NOT_READ;
        }
        positive |= c != '0';
      }
    }
    return positive ? 1 : 0;
  }
}
