package cloud.locci.proxy.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The traffic policies of one gateway route (SPEC §11), all optional: header and query matchers, a
 * weighted split across upstreams, a path rewrite and header rules both ways. {@link #NONE} when a route
 * sets none of them. Maps keep the order of the file.
 *
 * @param matchHeaders header name (as written) to the exact value it must have, or {@code "*"} for any
 * @param matchQuery query parameter name to its exact (percent-decoded) value, or {@code "*"} for any
 * @param split the upstreams and weights used instead of {@code upstream}; empty when the route has one upstream
 * @param rewrite the path rewrite applied after {@code strip_prefix}; empty for none
 * @param requestHeaders changes to the headers sent upstream
 * @param responseHeaders changes to the headers sent back to the client
 */
public record RoutePolicies(
    Map<String, String> matchHeaders,
    Map<String, String> matchQuery,
    List<SplitEntry> split,
    Optional<Rewrite> rewrite,
    HeaderRuleSet requestHeaders,
    HeaderRuleSet responseHeaders) {

  /** Highest weight of a split entry. */
  public static final int MAX_WEIGHT = 1000;
  /** Most entries of a split. */
  public static final int MAX_SPLIT = 16;
  /** Most header or query matchers of one route (each). */
  public static final int MAX_MATCHERS = 32;

  /** A route without policies. */
  public static final RoutePolicies NONE = new RoutePolicies(Map.of(), Map.of(), List.of(), Optional.empty(),
      HeaderRuleSet.NONE, HeaderRuleSet.NONE);

  public RoutePolicies {
    matchHeaders = ordered(matchHeaders);
    matchQuery = ordered(matchQuery);
    split = List.copyOf(split);
    Objects.requireNonNull(rewrite, "rewrite");
    Objects.requireNonNull(requestHeaders, "requestHeaders");
    Objects.requireNonNull(responseHeaders, "responseHeaders");
  }

  /** Whether the route sets none of the policies. */
  public boolean isEmpty() {
    return equals(NONE);
  }

  /** Number of header and query matchers: the second ordering key of routes (more first). */
  public int matcherCount() {
    return matchHeaders.size() + matchQuery.size();
  }

  /** This with {@code split} replaced. */
  public RoutePolicies withSplit(List<SplitEntry> entries) {
    return new RoutePolicies(matchHeaders, matchQuery, entries, rewrite, requestHeaders, responseHeaders);
  }

  /**
   * One entry of {@code split}.
   *
   * @param weight 0-1000; 0 takes the upstream out of the split
   */
  public record SplitEntry(String upstream, int weight) {
    public SplitEntry {
      Objects.requireNonNull(upstream, "upstream");
    }
  }

  /**
   * {@code rewrite}: every match of {@code pattern} (RE2) in the path is replaced by {@code replacement},
   * where {@code $1}-{@code $9} are the pattern's groups and {@code $$} is a dollar sign.
   */
  public record Rewrite(String pattern, String replacement) {
    public Rewrite {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(replacement, "replacement");
    }
  }

  /**
   * {@code request_headers} or {@code response_headers}: applied in the order remove, set, add.
   *
   * @param set header name to the value that replaces any the message has
   * @param add header name to a value appended to those the message has
   * @param remove header names deleted from the message
   */
  public record HeaderRuleSet(Map<String, String> set, Map<String, String> add, List<String> remove) {
    public static final HeaderRuleSet NONE = new HeaderRuleSet(Map.of(), Map.of(), List.of());

    public HeaderRuleSet {
      // Not RoutePolicies.ordered: that would initialise RoutePolicies, whose NONE needs this class's NONE.
      set = copy(set);
      add = copy(add);
      remove = List.copyOf(remove);
    }

    public boolean isEmpty() {
      return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }

    private static Map<String, String> copy(Map<String, String> m) {
      if (m.isEmpty()) {
        return Map.of();
      }
      Map<String, String> c = new LinkedHashMap<>();
      m.forEach((k, v) -> c.put(Objects.requireNonNull(k), Objects.requireNonNull(v)));
      return Collections.unmodifiableMap(c);
    }
  }

  private static Map<String, String> ordered(Map<String, String> m) {
    if (m.isEmpty()) {
      return Map.of();
    }
    Map<String, String> copy = new LinkedHashMap<>();
    m.forEach((k, v) -> copy.put(Objects.requireNonNull(k), Objects.requireNonNull(v)));
    return Collections.unmodifiableMap(copy);
  }
}
