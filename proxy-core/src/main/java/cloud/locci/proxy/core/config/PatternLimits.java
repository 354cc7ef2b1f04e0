package cloud.locci.proxy.core.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Bounds on a route's {@code path_pattern}, checked on the pattern's text before re2j ever sees it.
 *
 * <p>re2j's matching is linear in the path, but its compilation is not bounded: it expands every
 * counted repetition ({@code x{1000}} becomes 1000 copies of {@code x}) before building the program,
 * and it has no size limit (Go's regexp/syntax gained one in Go 1.19; re2j 1.8 has none). So
 * {@code ((a{1000}){1000}){1000}}, a 23-character pattern, asks for 10^9 instructions and ends in an
 * OutOfMemoryError. {@link #problem} computes, in one pass over the text, an upper bound of the
 * instructions the compiled program would have, counting each repetition as re2j's simplifier
 * expands it, and refuses the pattern when the bound is over {@link #MAX_PROGRAM}. The matcher's cost per
 * path byte grows with the program, so the same bound also keeps a single route from making every
 * request slow.
 */
public final class PatternLimits {

  /** Longest pattern accepted, in characters. */
  public static final int MAX_LENGTH = 4096;

  /**
   * Most instructions a compiled pattern may have. Real route patterns have tens ({@code ^/api/users}
   * has 13); a pattern 4096 literal characters long has about 4100.
   */
  public static final int MAX_PROGRAM = 10_000;

  /** Deepest nesting of groups: re2j's simplifier and compiler recurse once per level. */
  public static final int MAX_NESTING = 100;

  private PatternLimits() {}

  /**
   * Why {@code pattern} is refused ("pattern too complex: ..."), or empty when it is within the limits.
   * Syntax errors are not reported here (re2j reports them); the bound stays an upper bound for any
   * text, valid or not.
   */
  public static Optional<String> problem(String pattern) {
    if (pattern.length() > MAX_LENGTH) {
      return Optional.of("pattern too complex: " + pattern.length() + " characters, at most " + MAX_LENGTH);
    }
    long size;
    try {
      size = new Estimate(pattern).run();
    } catch (TooDeep e) {
      return Optional.of("pattern too complex: groups nested more than " + MAX_NESTING + " deep");
    }
    if (size > MAX_PROGRAM) {
      return Optional.of("pattern too complex: its compiled program would have more than " + MAX_PROGRAM
          + " instructions (a counted repetition such as {1000} multiplies the size of what it repeats)");
    }
    return Optional.empty();
  }

  /** An upper bound of the instructions re2j's compiled program of {@code pattern} has. */
  static long upperBound(String pattern) {
    return new Estimate(pattern).run();
  }

  private static final class TooDeep extends RuntimeException {
    TooDeep() {
      super(null, null, false, false);
    }
  }

  /**
   * One pass over the text. Each open group is a frame holding the size so far and the size of its
   * last item (what a following quantifier repeats). Sizes saturate at {@link #CAP} so the arithmetic
   * never overflows, whatever the nesting.
   */
  private static final class Estimate {

    private static final long CAP = 1L << 40;

    private final String re;
    private int i;

    private static final class Frame {
      long total;
      long last;
    }

    Estimate(String re) {
      this.re = re;
    }

    long run() {
      Deque<Frame> frames = new ArrayDeque<>();
      Frame top = new Frame();
      while (i < re.length()) {
        char c = re.charAt(i);
        switch (c) {
          case '(' -> {
            i++;
            if (frames.size() >= MAX_NESTING) {
              throw new TooDeep();
            }
            if (skipGroupHeader()) {
              // "(?i)": flags only, nothing to repeat.
              atom(top, 0);
              continue;
            }
            frames.push(top);
            top = new Frame();
          }
          case ')' -> {
            i++;
            if (frames.isEmpty()) {
              atom(top, 1);
              continue;
            }
            long group = add(top.total, 2); // capture instructions
            top = frames.pop();
            atom(top, group);
          }
          case '|' -> {
            i++;
            top.total = add(top.total, 1); // one split per alternative
            top.last = 0;
          }
          case '*', '?' -> {
            i++;
            repeat(top, add(top.last, 1));
            skipNonGreedy();
          }
          case '+' -> {
            i++;
            // Simplified to x x*.
            repeat(top, add(mul(top.last, 2), 1));
            skipNonGreedy();
          }
          case '{' -> {
            long[] counts = counts();
            if (counts == null) {
              i++;
              atom(top, 1); // not a repetition: a literal brace
            } else {
              // x{n,m}: n copies, then m-n nested optional copies; x{n,}: n copies and a star.
              long copies = counts[1] < 0 ? counts[0] + 1 : Math.max(counts[0], counts[1]);
              repeat(top, mul(add(top.last, 1), Math.max(copies, 1)));
              skipNonGreedy();
            }
          }
          case '[' -> {
            skipClass();
            atom(top, 1);
          }
          case '\\' -> {
            atom(top, escape());
          }
          default -> {
            i++;
            atom(top, 1);
          }
        }
      }
      while (!frames.isEmpty()) { // unbalanced: re2j will refuse it; keep the bound meaningful anyway
        long group = add(top.total, 2);
        top = frames.pop();
        atom(top, group);
      }
      return add(top.total, 4); // match, the unanchored prefix loop and the outer capture
    }

    private static void atom(Frame f, long size) {
      f.total = add(f.total, size);
      f.last = size;
    }

    private static void repeat(Frame f, long repeated) {
      f.total = add(f.total - f.last, repeated);
      f.last = repeated;
    }

    /** After "(": skips "?flags:", "?P<name>", "?<name>"; true when the group was "(?flags)". */
    private boolean skipGroupHeader() {
      if (i >= re.length() || re.charAt(i) != '?') {
        return false;
      }
      while (i < re.length()) {
        char c = re.charAt(i++);
        if (c == ')') {
          return true;
        }
        if (c == ':' || c == '>') {
          return false;
        }
      }
      return false;
    }

    private void skipNonGreedy() {
      if (i < re.length() && re.charAt(i) == '?') {
        i++;
      }
    }

    /** At "{": {n}, {n,} or {n,m} as {n, m} (m = -1 for none), past the "}"; null when not a repetition. */
    private long[] counts() {
      int j = i + 1;
      int start = j;
      while (j < re.length() && Character.isDigit(re.charAt(j))) {
        j++;
      }
      if (j == start || j - start > 9) {
        return null;
      }
      long n = Long.parseLong(re.substring(start, j));
      long m = n;
      if (j < re.length() && re.charAt(j) == ',') {
        j++;
        int mStart = j;
        while (j < re.length() && Character.isDigit(re.charAt(j))) {
          j++;
        }
        if (j - mStart > 9) {
          return null;
        }
        m = j == mStart ? -1 : Long.parseLong(re.substring(mStart, j));
      }
      if (j >= re.length() || re.charAt(j) != '}') {
        return null;
      }
      i = j + 1;
      return new long[] {n, m};
    }

    /** At "[": past the matching "]" (a class is one instruction whatever its ranges). */
    private void skipClass() {
      i++;
      if (i < re.length() && re.charAt(i) == '^') {
        i++;
      }
      if (i < re.length() && re.charAt(i) == ']') {
        i++; // a leading "]" is literal
      }
      while (i < re.length()) {
        char c = re.charAt(i);
        if (c == '\\') {
          i += 2;
        } else if (c == '[' && i + 1 < re.length() && re.charAt(i + 1) == ':') {
          int end = re.indexOf(":]", i + 2);
          i = end < 0 ? i + 1 : end + 2;
        } else if (c == ']') {
          i++;
          return;
        } else {
          i++;
        }
      }
    }

    /** At "\": past the escape; its size ("\Q...\E" is one instruction per character). */
    private long escape() {
      i++;
      if (i >= re.length()) {
        return 1;
      }
      char c = re.charAt(i++);
      switch (c) {
        case 'Q' -> {
          int end = re.indexOf("\\E", i);
          int stop = end < 0 ? re.length() : end;
          long size = stop - i;
          i = end < 0 ? re.length() : end + 2;
          return size;
        }
        case 'p', 'P' -> {
          if (i < re.length() && re.charAt(i) == '{') {
            int end = re.indexOf('}', i);
            i = end < 0 ? re.length() : end + 1;
          } else if (i < re.length()) {
            i++;
          }
          return 1;
        }
        case 'x' -> {
          if (i < re.length() && re.charAt(i) == '{') {
            int end = re.indexOf('}', i);
            i = end < 0 ? re.length() : end + 1;
          } else {
            i = Math.min(re.length(), i + 2);
          }
          return 1;
        }
        default -> {
          return 1;
        }
      }
    }

    private static long add(long a, long b) {
      return Math.min(CAP, a + b);
    }

    private static long mul(long a, long b) {
      return a == 0 || b == 0 ? 0 : (a > CAP / b ? CAP : Math.min(CAP, a * b));
    }
  }
}
