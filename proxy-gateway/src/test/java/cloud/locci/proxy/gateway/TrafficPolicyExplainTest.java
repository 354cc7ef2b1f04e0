package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.explain.ExplanationJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** explain and validate's shadow warnings with SPEC §11 matchers, split, rewrite and header rules. */
class TrafficPolicyExplainTest {

  private static final String YAML = """
      mode: api_gateway
      upstreams:
        stable: { servers: ["10.0.0.1:80"] }
        canary: { servers: ["10.0.0.2:80"] }
      api_gateway:
        routes:
          plain:
            path_pattern: "^/app"
            upstream: stable
          canary:
            path_pattern: "^/app"
            split: [{ upstream: stable, weight: 90 }, { upstream: canary, weight: 10 }]
            match_headers: { X-Canary: "1" }
            match_query: { v: "*" }
            rewrite: { pattern: "^/app/(.*)", replacement: "/v2/$1" }
            request_headers: { remove: [Cookie], set: { X-Route: "${route}" } }
            response_headers: { add: { X-Served-By: "${upstream}" } }
      """;

  @Test
  void explainShowsMatchersTheSplitTheRewrittenPathAndHeaderRules() throws Exception {
    Explanation e = Explainer.explain(ExplainerTest.config(YAML),
        new ExplainQuery("GET", "", "/app/items?v=1&x=2", Map.of("x-canary", "1")));
    assertThat(e.winner()).contains("canary");
    Explanation.Candidate first = e.candidates().get(0);
    assertThat(first.route()).isEqualTo("canary");
    assertThat(first.matchers()).containsExactly("header X-Canary: 1", "query v: *");
    Explanation.Target t = e.target().orElseThrow();
    assertThat(t.uri()).isEqualTo("/v2/items?v=1&x=2");
    assertThat(t.split()).containsExactly(new Explanation.Share("stable", 90, 90.0),
        new Explanation.Share("canary", 10, 10.0));
    assertThat(t.upstream()).isEqualTo("stable");
    assertThat(t.rewrite()).isEqualTo("^/app/(.*) -> /v2/$1");
    assertThat(t.requestHeaders()).containsExactly("remove Cookie", "set X-Route: ${route}");
    assertThat(t.responseHeaders()).containsExactly("add X-Served-By: ${upstream}");
    // The JSON form (CLI --json, control API) carries all of it both ways.
    assertThat(ExplanationJson.fromJson(ExplanationJson.toJson(e))).isEqualTo(e);
  }

  @Test
  void explainSaysWhichMatcherFailed() throws Exception {
    Explanation noHeader = Explainer.explain(ExplainerTest.config(YAML), new ExplainQuery("GET", "", "/app?v=1"));
    assertThat(noHeader.winner()).contains("plain");
    assertThat(noHeader.candidates().get(0).outcome()).isEqualTo("header_mismatch");
    assertThat(noHeader.candidates().get(0).detail()).isEqualTo("header X-Canary absent");

    Explanation noQuery = Explainer.explain(ExplainerTest.config(YAML),
        new ExplainQuery("GET", "", "/app", Map.of("X-Canary", "1")));
    assertThat(noQuery.candidates().get(0).outcome()).isEqualTo("query_mismatch");
    assertThat(noQuery.candidates().get(0).detail()).isEqualTo("query parameter v absent");
    assertThat(noQuery.target().orElseThrow().uri()).isEqualTo("/app");
  }

  private static List<String> warnings(String routes) throws Exception {
    return RouteShadowing.warnings(ExplainerTest.config("""
        mode: api_gateway
        upstreams:
          u: { servers: ["10.0.0.1:1"] }
        api_gateway:
          routes:
        %s
        """.formatted(routes.indent(4).stripTrailing())));
  }

  @Test
  void aRouteWithMatchersDoesNotShadowTheSamePatternWithout() throws Exception {
    assertThat(warnings("""
        canary: { path_pattern: "^/a", upstream: u, match_headers: { X-Canary: "1" } }
        plain: { path_pattern: "^/a", upstream: u }
        """)).isEmpty();
  }

  @Test
  void aRouteAskingLessShadowsOneAskingMore() throws Exception {
    // "*" on the earlier route is met by any value the later one requires; header names ignore case.
    assertThat(warnings("""
        any_team: { path_pattern: "^/a", upstream: u, match_headers: { X-Team: "*" }, match_query: { v: "2" } }
        team_a: { path_pattern: "^/a", upstream: u, match_headers: { x-team: "a" }, match_query: { v: "2" } }
        """)).singleElement().asString().contains("routes.team_a: can never win", "\"any_team\"",
        "earlier in the file", "headers, query");
    // Different values: both can win.
    assertThat(warnings("""
        v1: { path_pattern: "^/a", upstream: u, match_query: { v: "1" } }
        v2: { path_pattern: "^/a", upstream: u, match_query: { v: "2" } }
        """)).isEmpty();
    // A catch-all pattern without matchers still shadows a shorter route with matchers.
    assertThat(warnings("""
        all: { path_pattern: "^/.*", upstream: u }
        canary: { path_pattern: "^/", upstream: u, match_headers: { X-Canary: "1" } }
        """)).singleElement().asString().contains("routes.canary", "longer pattern");
  }
}
