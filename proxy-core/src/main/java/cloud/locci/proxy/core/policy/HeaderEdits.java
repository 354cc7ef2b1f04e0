package cloud.locci.proxy.core.policy;

import cloud.locci.proxy.core.config.RoutePolicies.HeaderRuleSet;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A route's {@code request_headers} or {@code response_headers} (SPEC §11), compiled once per config
 * version: {@code remove} deletes, {@code set} replaces, {@code add} appends, in that order, with values
 * rendered from their {@link HeaderTemplate}s. Immutable and shared by every request of a snapshot.
 */
public final class HeaderEdits {

  /** No change. */
  public static final HeaderEdits NONE = new HeaderEdits(List.of(), List.of(), List.of(), HeaderRuleSet.NONE);

  /** Longest header value accepted in a rule. */
  public static final int MAX_VALUE_LENGTH = 4096;
  /** Most rules (set + add + remove) in one direction of a route. */
  public static final int MAX_RULES = 64;

  /** Framing and hop-by-hop headers no rule may touch, in either direction (lower case). */
  private static final Set<String> NEVER = Set.of("content-length", "transfer-encoding", "connection", "keep-alive",
      "te", "trailer", "upgrade", "proxy-connection");

  private record Entry(String name, HeaderTemplate value) {}

  private final List<String> remove;
  private final List<Entry> set;
  private final List<Entry> add;
  private final HeaderRuleSet source;

  private HeaderEdits(List<String> remove, List<Entry> set, List<Entry> add, HeaderRuleSet source) {
    this.remove = remove;
    this.set = set;
    this.add = add;
    this.source = source;
  }

  /** Compiles {@code rules}, which must have passed {@link #problems}. */
  public static HeaderEdits compile(HeaderRuleSet rules) {
    if (rules.isEmpty()) {
      return NONE;
    }
    return new HeaderEdits(List.copyOf(rules.remove()), entries(rules.set()), entries(rules.add()), rules);
  }

  private static List<Entry> entries(Map<String, String> m) {
    List<Entry> out = new ArrayList<>(m.size());
    m.forEach((k, v) -> out.add(new Entry(k, HeaderTemplate.compile(v))));
    return List.copyOf(out);
  }

  public boolean isEmpty() {
    return this == NONE;
  }

  /** The rules as configured. */
  public HeaderRuleSet rules() {
    return source;
  }

  /** Applies the rules to {@code headers}: remove, then set, then add. */
  public void apply(MultiMap headers, HeaderTemplate.Values values) {
    for (int i = 0; i < remove.size(); i++) {
      headers.remove(remove.get(i));
    }
    for (int i = 0; i < set.size(); i++) {
      Entry e = set.get(i);
      headers.set(e.name, e.value.render(values));
    }
    for (int i = 0; i < add.size(); i++) {
      Entry e = add.get(i);
      headers.add(e.name, e.value.render(values));
    }
  }

  /**
   * Every problem of {@code rules} at {@code path} ({@code ...request_headers}), one message per key
   * path: header names must be tokens, values free of control characters and within
   * {@link #MAX_VALUE_LENGTH}, templates valid; framing and hop-by-hop headers are refused, and
   * {@code Host} in responses.
   *
   * @param response whether these rules apply to responses
   * @return one problem per key path
   */
  public static List<PolicyProblem> problems(String path, HeaderRuleSet rules, boolean response) {
    List<PolicyProblem> out = new ArrayList<>();
    if (rules.set().size() + rules.add().size() + rules.remove().size() > MAX_RULES) {
      out.add(new PolicyProblem(path, "at most " + MAX_RULES + " rules"));
    }
    values(path + ".set", rules.set(), response, out);
    values(path + ".add", rules.add(), response, out);
    for (int i = 0; i < rules.remove().size(); i++) {
      String name = rules.remove().get(i);
      nameProblem(name, response).ifPresent(p -> out.add(new PolicyProblem(path + ".remove", p)));
    }
    return out;
  }

  private static void values(String path, Map<String, String> m, boolean response, List<PolicyProblem> out) {
    m.forEach((name, value) -> {
      String at = path + "." + name;
      nameProblem(name, response).ifPresent(p -> out.add(new PolicyProblem(at, p)));
      valueProblem(value).or(() -> HeaderTemplate.problem(value)).ifPresent(p -> out.add(new PolicyProblem(at, p)));
    });
  }

  /** Why {@code name} may not appear in a header rule, or empty. */
  public static Optional<String> nameProblem(String name, boolean response) {
    if (!isToken(name)) {
      return Optional.of("\"" + name + "\" is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)");
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (NEVER.contains(lower)) {
      return Optional.of(name + " is a framing or hop-by-hop header: the proxy sets it for each connection,"
          + " a rule may not change it");
    }
    if (response && lower.equals("host")) {
      return Optional.of("Host is a request header; a response may not carry it");
    }
    return Optional.empty();
  }

  /** Why {@code value} is not a usable header value (control characters, CR/LF, length), or empty. */
  public static Optional<String> valueProblem(String value) {
    if (value.length() > MAX_VALUE_LENGTH) {
      return Optional.of("value of " + value.length() + " characters, at most " + MAX_VALUE_LENGTH);
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 && c != '\t' || c == 0x7f || c > 0xff) {
        return Optional.of("value contains a control or non-Latin-1 character (code " + (int) c
            + "): header values are one line of text");
      }
    }
    return Optional.empty();
  }

  /** An RFC 9110 token, 1-256 characters. */
  public static boolean isToken(String s) {
    if (s.isEmpty() || s.length() > 256) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
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
