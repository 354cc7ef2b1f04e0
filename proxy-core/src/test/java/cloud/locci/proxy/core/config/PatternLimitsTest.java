package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertOnlyError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SPEC §15: route patterns over the length or program-size bound are refused as "pattern too complex"
 * before re2j compiles them; the bound computed from the text is never below re2j's real program size.
 */
class PatternLimitsTest {

  private static final String BOMB = "((a{1000}){1000}){1000}";

  @Test
  void theNestedRepetitionBombIsRefusedWithoutCompiling() {
    // Compiled, this pattern asks for 10^9 instructions: an OutOfMemoryError after seconds of work.
    assertThat(PatternLimits.problem(BOMB)).hasValueSatisfying(p -> assertThat(p).startsWith("pattern too complex"));
    assertThat(PatternLimits.problem("(a{1000}){1000}")).isPresent();
    assertThat(PatternLimits.problem("[a-z]{1000}[0-9]{1000}x{1000}y{1000}z{1000}w{1000}v{1000}u{1000}t{1000}s{1000}"
        + "r{1000}")).isPresent();
  }

  @Test
  void validateRefusesItAtTheKeyWithItsLine() {
    String yaml = """
        mode: api_gateway
        upstreams:
          app: {servers: ["127.0.0.1:3000"]}
        api_gateway:
          routes:
            evil:
              path_pattern: "((a{1000}){1000}){1000}"
              upstream: app
        """;
    assertOnlyError(failure(yaml), lineOf(yaml, "path_pattern"), "api_gateway.routes.evil.path_pattern",
        "pattern too complex");
  }

  @Test
  void longerThan4096CharactersIsRefused() {
    String ok = "^/" + "a".repeat(4094);
    assertThat(PatternLimits.problem(ok)).isEmpty();
    assertThat(PatternLimits.problem(ok + "b")).hasValueSatisfying(p -> assertThat(p).contains("4097 characters"));
  }

  @Test
  void deepNestingIsRefused() {
    assertThat(PatternLimits.problem("(".repeat(101) + "a" + ")".repeat(101))).hasValueSatisfying(p ->
        assertThat(p).contains("nested"));
    assertThat(PatternLimits.problem("(".repeat(50) + "a" + ")".repeat(50))).isEmpty();
  }

  @Test
  void realRoutePatternsPass() {
    for (String p : List.of("^/", "^/api/users", "^/api/v[0-9]+/orders/[0-9]{1,12}$", "(?i)^/Admin(/|$)",
        "^/files/.*\\.(png|jpe?g|gif)$", "^/a{2,5}b{0,}c{3,}", "^/\\Q{literal}\\E/x", "\\p{Greek}+|\\pL",
        "^/(?P<id>[^/]+)/x", "[]a]|[^]b]|[[:alpha:]]", "^/{", "^/x{,3}")) {
      assertThat(PatternLimits.problem(p)).as(p).isEmpty();
    }
  }

  @Test
  void theBoundIsNeverBelowRe2jsProgramSize() {
    for (String p : List.of("^/", "^/api/users", "a{1000}", "(a{10}){10}", "(ab|cd){3,7}", "x+y*z?", "(a+)+",
        "((a|b)+c){2,}", "(?i)abc{4}", "[a-z]{1,100}", "(x{2,3}){4,5}", "\\Q+++\\E{5}", "a|b|c|d", "(?:ab){3}",
        "^/(v1|v2)/(users|orders)/[0-9]+(/items/[0-9]+)?$", "a{2}{3}", "(a*)*", "(a?){50}", "a{0}", "(a{0,3}){0,3}",
        "\\d{3}-\\d{4}", "(?s).{20}", "\\b(ab){5}\\B")) {
      int actual;
      try {
        actual = Pattern.compile(p).programSize();
      } catch (RuntimeException e) {
        continue; // not valid RE2 syntax: nothing to compare
      }
      assertThat(PatternLimits.upperBound(p)).as("bound of %s (re2j: %d)", p, actual).isGreaterThanOrEqualTo(actual);
    }
  }

  @Test
  void compiledPatternsAreSharedAndTheCacheRefusesUnvalidatedBombs() {
    assertThat(CompiledPatterns.compile("^/api/shared")).isSameAs(CompiledPatterns.compile("^/api/shared"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CompiledPatterns.compile(BOMB))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
