package cloud.locci.proxy.core.log;

/**
 * nginx's access-log escaping (SPEC §15): a control character, {@code "}, {@code \} or any character
 * above 0x7E is written as {@code \xHH}, so a value the client chose (target, User-Agent, Referer)
 * can neither end its quoted field nor start a forged line. A character above 0xFF (possible in an
 * HTTP/2 value decoded as text) is written as the {@code \xHH} of each of its UTF-8 bytes.
 */
final class LogEscape {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private LogEscape() {}

  /** Appends {@code s} to {@code out}, escaped; no copy when nothing needs escaping. */
  static StringBuilder append(StringBuilder out, String s) {
    int n = s.length();
    int i = 0;
    while (i < n && isPlain(s.charAt(i))) {
      i++;
    }
    if (i == n) {
      return out.append(s);
    }
    out.append(s, 0, i);
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (isPlain(c)) {
        out.append(c);
      } else if (c <= 0xff) {
        hex(out, c);
      } else {
        int cp = s.codePointAt(i);
        if (Character.isSupplementaryCodePoint(cp)) {
          i++;
        }
        for (byte b : new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
          hex(out, b & 0xff);
        }
      }
    }
    return out;
  }

  /** {@code s} escaped (for a test or a one-off). */
  static String escape(String s) {
    return append(new StringBuilder(s.length() + 8), s).toString();
  }

  private static boolean isPlain(char c) {
    return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
  }

  private static void hex(StringBuilder out, int b) {
    out.append('\\').append('x').append(HEX[b >> 4]).append(HEX[b & 0xf]);
  }
}
