package cloud.locci.proxy.core.policy;

import cloud.locci.proxy.core.config.CompiledPatterns;
import cloud.locci.proxy.core.config.PatternLimits;
import cloud.locci.proxy.core.config.RoutePolicies.Rewrite;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A route's {@code rewrite} (SPEC §11), compiled once per config version: every match of the RE2
 * pattern in the path (after {@code strip_prefix}, without the query) is replaced by the replacement,
 * in which {@code $1}-{@code $9} are the pattern's groups ({@code $0} the whole match) and {@code $$} a
 * dollar sign. A group that did not take part in the match is empty. A result not starting with
 * {@code /} gets one in front. re2j: linear in the path, no backtracking.
 */
public final class PathRewrite {

  /** Longest rewritten path; a longer one is refused (414) rather than sent. */
  public static final int MAX_RESULT = 8192;

  private final Rewrite source;
  private final Pattern pattern;
  /** Each part a String (literal) or an Integer (group number). */
  private final Object[] parts;

  private PathRewrite(Rewrite source, Pattern pattern, Object[] parts) {
    this.source = source;
    this.pattern = pattern;
    this.parts = parts;
  }

  /** Compiles {@code r}, which must have passed {@link #problem}. */
  public static PathRewrite compile(Rewrite r) {
    Pattern p = CompiledPatterns.compile(r.pattern());
    return new PathRewrite(r, p, parts(r.replacement(), p.groupCount()));
  }

  /**
   * Why {@code r} cannot be used: the pattern over {@link PatternLimits}, not valid RE2, or the
   * replacement naming a group the pattern lacks or using {@code $} otherwise than {@code $N}/{@code $$}.
   * Empty when it is fine.
   *
   * @param path the key path of the rewrite, for the messages
   */
  public static List<PolicyProblem> problems(String path, Rewrite r) {
    List<PolicyProblem> out = new ArrayList<>();
    Optional<String> tooComplex = PatternLimits.problem(r.pattern());
    if (tooComplex.isPresent()) {
      out.add(new PolicyProblem(path + ".pattern", tooComplex.get()));
      return out;
    }
    Pattern p;
    try {
      p = CompiledPatterns.compile(r.pattern());
    } catch (PatternSyntaxException e) {
      out.add(new PolicyProblem(path + ".pattern", "invalid regular expression \"" + r.pattern() + "\": "
          + e.getDescription() + " (Go/RE2 syntax: no backreferences or lookaround)"));
      return out;
    }
    try {
      parts(r.replacement(), p.groupCount());
    } catch (IllegalArgumentException e) {
      out.add(new PolicyProblem(path + ".replacement", e.getMessage()));
    }
    if (r.replacement().length() > PathRewrite.MAX_RESULT) {
      out.add(new PolicyProblem(path + ".replacement", "longer than " + MAX_RESULT + " characters"));
    }
    for (int i = 0; i < r.replacement().length(); i++) {
      char c = r.replacement().charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') {
        out.add(new PolicyProblem(path + ".replacement", "character " + describe(c) + " cannot be in a path"
            + " (spaces, controls, '?' and '#' are not allowed; percent-encode them)"));
        break;
      }
    }
    return out;
  }

  private static String describe(char c) {
    return c > 0x20 && c < 0x7f ? "'" + c + "'" : "of code " + (int) c;
  }

  private static Object[] parts(String replacement, int groups) {
    List<Object> out = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < replacement.length(); i++) {
      char c = replacement.charAt(i);
      if (c != '$') {
        literal.append(c);
        continue;
      }
      char next = i + 1 < replacement.length() ? replacement.charAt(i + 1) : 0;
      if (next == '$') {
        literal.append('$');
        i++;
      } else if (next >= '0' && next <= '9') {
        int g = next - '0';
        if (g > groups) {
          throw new IllegalArgumentException("$" + g + " names group " + g + " but the pattern has "
              + (groups == 0 ? "no groups" : "only " + groups));
        }
        if (literal.length() > 0) {
          out.add(literal.toString());
          literal.setLength(0);
        }
        out.add(g);
        i++;
      } else {
        throw new IllegalArgumentException("'$' must be followed by a group number 0-9 or another '$'"
            + " (write $$ for a dollar sign)");
      }
    }
    if (literal.length() > 0) {
      out.add(literal.toString());
    }
    return out.toArray();
  }

  /** The rewrite as configured. */
  public Rewrite source() {
    return source;
  }

  /**
   * The rewritten {@code path}; the same string when the pattern does not match. Null when the result
   * would be longer than {@link #MAX_RESULT}.
   */
  public String apply(String path) {
    Matcher m = pattern.matcher(path);
    if (!m.find()) {
      return path;
    }
    int length = path.length();
    StringBuilder out = new StringBuilder(length + 16);
    int last = 0;
    int previousEnd = -1;
    boolean found = true;
    while (found) {
      out.append(path, last, m.start());
      // An empty match right after a match is ignored (as Go's ReplaceAll: "a*" on "baaac" gives XbXcX).
      boolean abutting = m.start() == m.end() && m.start() == previousEnd;
      for (Object p : abutting ? new Object[0] : parts) {
        if (p instanceof String s) {
          out.append(s);
        } else {
          String g = m.group((Integer) p);
          if (g != null) {
            out.append(g);
          }
        }
      }
      if (out.length() > MAX_RESULT) {
        return null;
      }
      last = m.end();
      previousEnd = m.end();
      int from = m.end();
      if (m.end() == m.start()) {
        // After an empty match the next character is kept and the search moves past it (as Go's ReplaceAll).
        if (from >= length) {
          break;
        }
        out.append(path.charAt(from));
        last = ++from;
      }
      found = from <= length && m.find(from);
    }
    if (last < path.length()) {
      out.append(path, last, path.length());
    }
    if (out.length() == 0 || out.charAt(0) != '/') {
      out.insert(0, '/');
    }
    return out.length() > MAX_RESULT ? null : out.toString();
  }
}
