package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RouteShadowingTest {

  private static List<String> warnings(String routes) throws Exception {
    String yaml = """
        mode: api_gateway
        upstreams:
          u: { servers: ["10.0.0.1:1"] }
        api_gateway:
          routes:
        %s
        """.formatted(routes.indent(4).stripTrailing());
    return RouteShadowing.warnings(ExplainerTest.config(yaml));
  }

  @Test
  void anIdenticalPatternLaterInTheFileIsShadowed() throws Exception {
    List<String> w = warnings("""
        first:
          path_pattern: "^/api/users"
          upstream: u
        second:
          path_pattern: "^/api/users"
          upstream: u
        """);
    assertThat(w).singleElement().asString()
        .contains("api_gateway.routes.second: can never win", "\"first\"", "same length, earlier in the file");
  }

  @Test
  void aPrefixWildcardOfTheSameLengthShadowsALaterLiteral() throws Exception {
    List<String> w = warnings("""
        any_api:
          path_pattern: "^/api.*"
          upstream: u
        users:
          path_pattern: "^/api/u"
          upstream: u
        """);
    assertThat(w).singleElement().asString().contains("routes.users: can never win");
  }

  @Test
  void aLongerCatchAllShadowsEverythingAfterIt() throws Exception {
    List<String> w = warnings("""
        everything:
          path_pattern: "^/.*"
          upstream: u
        root:
          path_pattern: "^/"
          upstream: u
        """);
    assertThat(w).singleElement().asString().contains("routes.root", "longer pattern");
  }

  @Test
  void differentHostsOrFewerMethodsDoNotShadow() throws Exception {
    assertThat(warnings("""
        a:
          path_pattern: "^/x"
          host: a.example.com
          upstream: u
        b:
          path_pattern: "^/x"
          upstream: u
        """)).isEmpty();
    assertThat(warnings("""
        reads:
          path_pattern: "^/x"
          methods: [GET]
          upstream: u
        all:
          path_pattern: "^/x"
          upstream: u
        """)).isEmpty();
    assertThat(warnings("""
        reads:
          path_pattern: "^/x"
          methods: [GET]
          upstream: u
        heads:
          path_pattern: "^/x"
          methods: [HEAD]
          upstream: u
        """)).hasSize(1);
  }

  @Test
  void theSeedExampleHasNoShadowedRoute() throws Exception {
    assertThat(RouteShadowing.warnings(ExplainerTest.config(ExplainerTest.SEED))).isEmpty();
  }
}
