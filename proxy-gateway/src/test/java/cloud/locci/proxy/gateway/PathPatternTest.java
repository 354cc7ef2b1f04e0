package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PathPatternTest {

  @Test
  void literalPrefixOnlyPatternsNeverNeedTheRegexEngine() {
    PathPattern p = new PathPattern("^/api/users");
    assertThat(p.literalPrefix()).isEqualTo("/api/users");
    assertThat(p.isPrefixOnly()).isTrue();
    assertThat(p.find("/api/users/1")).isEqualTo(10);
    assertThat(p.find("/api/user")).isNegative();
  }

  @Test
  void escapedPunctuationIsLiteralAndAQuantifierDropsTheLastCharacter() {
    assertThat(PathPattern.LiteralPrefix.of("^/v1\\.0/x").text()).isEqualTo("/v1.0/x");
    assertThat(PathPattern.LiteralPrefix.of("^/v1\\.0/x").whole()).isTrue();
    assertThat(PathPattern.LiteralPrefix.of("^/items?/").text()).isEqualTo("/item");
    assertThat(PathPattern.LiteralPrefix.of("^/items?/").whole()).isFalse();
    assertThat(PathPattern.LiteralPrefix.of("^/a{2}").text()).isEqualTo("/");
  }

  @Test
  void unanchoredAlternationsAndFlagsHaveNoPrefix() {
    assertThat(PathPattern.LiteralPrefix.of("/api").text()).isNull();
    assertThat(PathPattern.LiteralPrefix.of("^/a|^/b").text()).isNull();
    assertThat(PathPattern.LiteralPrefix.of("^(?i)/api").text()).isNull();
    assertThat(PathPattern.LiteralPrefix.of("^/(a|b)").text()).isNull();
  }

  @Test
  void patternsWithAPrefixStillRunTheRegexForTheRest() {
    PathPattern p = new PathPattern("^/users/[0-9]+$");
    assertThat(p.find("/users/42")).isPositive();
    assertThat(p.find("/users/x")).isNegative();
    assertThat(p.find("/other/42")).isNegative();
  }

  @Test
  void findReportsWhereTheMatchStartsAndEnds() {
    long found = new PathPattern("/v[0-9]+").find("/api/v2/users");
    assertThat(PathPattern.start(found)).isEqualTo(4);
    assertThat(PathPattern.end(found)).isEqualTo(7);
  }
}
