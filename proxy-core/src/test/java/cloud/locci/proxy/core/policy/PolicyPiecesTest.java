package cloud.locci.proxy.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.locci.proxy.core.config.RoutePolicies.HeaderRuleSet;
import cloud.locci.proxy.core.config.RoutePolicies.Rewrite;
import io.vertx.core.MultiMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compiled pieces of SPEC §11, without sockets. */
class PolicyPiecesTest {

  private record Vals(String clientIp, String requestId, String route, String upstream)
      implements HeaderTemplate.Values {}

  @Test
  void smoothSequenceSpreadsTheMinorityAndReducesByTheGcd() {
    byte[] s = SplitChooser.sequence(new int[] {90, 10});
    assertThat(s).hasSize(10);
    int b = 0;
    for (byte x : s) {
      b += x;
    }
    assertThat(b).isEqualTo(1);
    byte[] t = SplitChooser.sequence(new int[] {5, 1, 1});
    // nginx's smooth order for 5/1/1: a a b a c a a
    assertThat(t).containsExactly(0, 0, 1, 0, 2, 0, 0);
    assertThat(SplitChooser.sequence(new int[] {0, 3})).containsExactly(1);
    assertThatThrownBy(() -> SplitChooser.sequence(new int[] {0, 0})).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void requestIdsKeepVisibleAsciiUpTo200AndReplaceTheRest() {
    assertThat(RequestIds.of("abc-123_~!")).isEqualTo("abc-123_~!");
    String max = "a".repeat(200);
    assertThat(RequestIds.of(max)).isEqualTo(max);
    for (String bad : new String[] {null, "", "a".repeat(201), "a b", "a\u007f", "\u00e9", "x\r\ny"}) {
      assertThat(RequestIds.of(bad)).as("%s", bad)
          .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }
    assertThat(RequestIds.random()).isNotEqualTo(RequestIds.random());
  }

  @Test
  void templatesAreCompiledOnceAndRefuseUnknownVariables() {
    HeaderTemplate t = HeaderTemplate.compile("ip=${client_ip};id=${request_id};r=${route};u=${upstream};$x");
    assertThat(t.render(new Vals("10.0.0.1", "rid", "api", "users"))).isEqualTo("ip=10.0.0.1;id=rid;r=api;u=users;$x");
    assertThat(HeaderTemplate.problem("${host}")).get().asString().contains("unknown variable ${host}");
    assertThat(HeaderTemplate.problem("${route")).get().asString().contains("without");
    assertThat(HeaderTemplate.problem("plain")).isEmpty();
  }

  @Test
  void headerEditsRemoveThenSetThenAdd() {
    Map<String, String> set = new LinkedHashMap<>();
    set.put("X-A", "set-${route}");
    HeaderEdits e = HeaderEdits.compile(new HeaderRuleSet(set, Map.of("X-A", "added"), List.of("x-a", "X-Gone")));
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("X-A", "orig").add("X-Gone", "1").add("X-Kept", "k");
    e.apply(h, new Vals("", "", "api", ""));
    assertThat(h.getAll("x-a")).containsExactly("set-api", "added");
    assertThat(h.contains("X-Gone")).isFalse();
    assertThat(h.get("X-Kept")).isEqualTo("k");
  }

  @Test
  void headerRulesRefuseFramingHopByHopHostInResponsesAndBadValues() {
    HeaderRuleSet rules = new HeaderRuleSet(Map.of("Content-Length", "1", "Host", "h", "X-Ok", "fine"),
        Map.of("Transfer-Encoding", "chunked", "X-Bad", "a\r\nb", "X-T", "${nope}"), List.of("Connection", "bad name"));
    List<String> request = HeaderEdits.problems("r.request_headers", rules, false).stream()
        .map(p -> p.path() + ": " + p.message()).toList();
    assertThat(request).anyMatch(s -> s.startsWith("r.request_headers.set.Content-Length: "))
        .anyMatch(s -> s.startsWith("r.request_headers.add.Transfer-Encoding: "))
        .anyMatch(s -> s.startsWith("r.request_headers.add.X-Bad: ") && s.contains("control"))
        .anyMatch(s -> s.startsWith("r.request_headers.add.X-T: ") && s.contains("${nope}"))
        .anyMatch(s -> s.startsWith("r.request_headers.remove: ") && s.contains("Connection"))
        .anyMatch(s -> s.startsWith("r.request_headers.remove: ") && s.contains("bad name"))
        .noneMatch(s -> s.contains("Host"))
        .noneMatch(s -> s.contains("X-Ok"));
    assertThat(HeaderEdits.problems("r.response_headers", rules, true))
        .anyMatch(p -> p.path().equals("r.response_headers.set.Host"));
  }

  @Test
  void rewriteReplacesEveryMatchWithGroupsAndKeepsALeadingSlash() {
    assertThat(PathRewrite.compile(new Rewrite("^/v1/(.*)", "/api/$1")).apply("/v1/users/1")).isEqualTo("/api/users/1");
    assertThat(PathRewrite.compile(new Rewrite("^/v1/(.*)", "/api/$1")).apply("/v2/users")).isEqualTo("/v2/users");
    assertThat(PathRewrite.compile(new Rewrite("/+", "/")).apply("//a///b/")).isEqualTo("/a/b/");
    assertThat(PathRewrite.compile(new Rewrite("^/old", "new")).apply("/old/x")).isEqualTo("/new/x");
    assertThat(PathRewrite.compile(new Rewrite("a*", "X")).apply("baaac")).isEqualTo("/XbXcX");
    assertThat(PathRewrite.compile(new Rewrite("^/(a)?(b)", "/$1-$2-$$")).apply("/b")).isEqualTo("/-b-$");
    assertThat(PathRewrite.compile(new Rewrite("(x)", "$1$1$1$1$1$1$1$1$1")).apply("/" + "x".repeat(1000))).isNull();
  }

  @Test
  void rewriteProblemsNameThePatternOrTheReplacement() {
    assertThat(PathRewrite.problems("r.rewrite", new Rewrite("^/(a)", "/$2")))
        .containsExactly(new PolicyProblem("r.rewrite.replacement", "$2 names group 2 but the pattern has only 1"));
    assertThat(PathRewrite.problems("r.rewrite", new Rewrite("(", "/"))).singleElement()
        .matches(p -> p.path().equals("r.rewrite.pattern") && p.message().startsWith("invalid regular expression"));
    assertThat(PathRewrite.problems("r.rewrite", new Rewrite("((a{1000}){1000}){1000}", "/"))).singleElement()
        .matches(p -> p.path().equals("r.rewrite.pattern") && p.message().startsWith("pattern too complex"));
    assertThat(PathRewrite.problems("r.rewrite", new Rewrite("^/a", "/b c"))).singleElement()
        .matches(p -> p.path().equals("r.rewrite.replacement"));
    assertThat(PathRewrite.problems("r.rewrite", new Rewrite("^/a", "/b$x"))).singleElement()
        .matches(p -> p.message().contains("$$"));
  }

  @Test
  void queryMatchingTakesTheFirstOccurrenceDecoded() {
    assertThat(RequestMatchers.firstParameter("a=1&b=2&a=3", "a")).isEqualTo("1");
    assertThat(RequestMatchers.firstParameter("x&a", "a")).isEqualTo("");
    assertThat(RequestMatchers.firstParameter("a%20b=c%2Fd+e", "a b")).isEqualTo("c/d e");
    assertThat(RequestMatchers.firstParameter("ab=1", "a")).isNull();
    assertThat(RequestMatchers.firstParameter("a=%zz%", "a")).isEqualTo("%zz%");
    assertThat(RequestMatchers.firstParameter("a=%C3%A9", "a")).isEqualTo("\u00e9");
    assertThat(RequestMatchers.firstParameter(null, "a")).isNull();
    RequestMatchers m = RequestMatchers.of(Map.of("X-Env", "*"), Map.of("v", "2"));
    assertThat(m.matches(MultiMap.caseInsensitiveMultiMap().add("x-env", ""), "v=2")).isTrue();
    assertThat(m.matches(MultiMap.caseInsensitiveMultiMap(), "v=2")).isFalse();
    assertThat(m.queryMismatch("v=3")).isEqualTo("query parameter v is not \"2\"");
  }
}
