package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.config.CompiledPatterns;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/**
 * A route's {@code path_pattern}, compiled with re2j (Go/RE2 syntax: linear time in the path length, so
 * no pattern or path can pin a core). Patterns that begin with {@code ^} and a literal text are checked
 * with {@code startsWith} first, and a pattern that is nothing but {@code ^literal} never runs the regex
 * engine at all: the common case costs a string comparison.
 */
final class PathPattern {

  private final String source;
  private final Pattern pattern;
  private final String literalPrefix;
  private final boolean prefixOnly;

  PathPattern(String source) {
    this.source = source;
    // Compiled by the validator off the event loop; this finds it in the process-wide cache.
    this.pattern = CompiledPatterns.compile(source);
    LiteralPrefix prefix = LiteralPrefix.of(source);
    this.literalPrefix = prefix.text();
    this.prefixOnly = prefix.whole();
  }

  String source() {
    return source;
  }

  /** The literal text every match starts with at position 0, or null when there is none. */
  String literalPrefix() {
    return literalPrefix;
  }

  /** True when the pattern is exactly {@code ^} followed by {@link #literalPrefix()}. */
  boolean isPrefixOnly() {
    return prefixOnly;
  }

  /**
   * Finds the pattern in {@code path}; returns the end of the first match plus one, with the start
   * encoded as {@code start << 32 | end}, or -1 when there is no match.
   */
  long find(String path) {
    if (literalPrefix != null) {
      if (!path.startsWith(literalPrefix)) {
        return -1;
      }
      if (prefixOnly) {
        return literalPrefix.length();
      }
    }
    Matcher m = pattern.matcher(path);
    if (!m.find()) {
      return -1;
    }
    return ((long) m.start() << 32) | m.end();
  }

  static int start(long found) {
    return (int) (found >>> 32);
  }

  static int end(long found) {
    return (int) found;
  }

  /** Leading literal text of a {@code ^}-anchored pattern, and whether it is the whole pattern. */
  record LiteralPrefix(String text, boolean whole) {

    private static final String META = "\\.+*?()[]{}|^$";

    static LiteralPrefix of(String re) {
      if (!re.startsWith("^") || re.startsWith("^(?")) {
        return new LiteralPrefix(null, false);
      }
      StringBuilder lit = new StringBuilder();
      int i = 1;
      while (i < re.length()) {
        char c = re.charAt(i);
        if (c == '\\') {
          if (i + 1 < re.length() && isEscapedPunctuation(re.charAt(i + 1))) {
            lit.append(re.charAt(i + 1));
            i += 2;
            continue;
          }
          break;
        }
        if (META.indexOf(c) >= 0) {
          break;
        }
        lit.append(c);
        i++;
      }
      boolean whole = i == re.length();
      if (!whole && i < re.length() && "?*{".indexOf(re.charAt(i)) >= 0 && lit.length() > 0) {
        // The quantifier makes the last literal character optional.
        lit.setLength(lit.length() - 1);
      }
      if (!whole && i < re.length() && re.charAt(i) == '|') {
        // An alternation at the top level: nothing is common to every match.
        return new LiteralPrefix(null, false);
      }
      if (re.indexOf('|') >= 0 && !whole) {
        // A top-level alternation later in the pattern ("^/a/x|^/b") would make the prefix wrong;
        // alternations inside groups are fine, but telling them apart is not worth it here.
        return new LiteralPrefix(null, false);
      }
      return lit.length() == 0 ? new LiteralPrefix(null, false) : new LiteralPrefix(lit.toString(), whole);
    }

    private static boolean isEscapedPunctuation(char c) {
      return !Character.isLetterOrDigit(c) && c < 128;
    }
  }
}
