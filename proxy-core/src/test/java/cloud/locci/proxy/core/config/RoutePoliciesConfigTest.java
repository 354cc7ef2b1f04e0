package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertHasError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static cloud.locci.proxy.core.config.ConfigTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.RoutePolicies.SplitEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Binding and validating the SPEC §11 route keys. */
class RoutePoliciesConfigTest {

  private static String gateway(String route) {
    return """
        mode: api_gateway
        upstreams:
          a: {servers: ["127.0.0.1:3001"]}
          b: {servers: ["127.0.0.1:3002"]}
        api_gateway:
          routes:
        """ + route.indent(4);
  }

  @Test
  void everyKeyBindsIntoRoutePolicies() throws Exception {
    ProxyConfig c = parse(gateway("""
        app:
          path_pattern: "^/app"
          split: [{upstream: a, weight: 90}, {upstream: b, weight: 10}]
          match_headers: {X-Canary: "1", X-Any: "*"}
          match_query: {v: "2"}
          rewrite: {pattern: "^/app/(.*)", replacement: "/$1"}
          request_headers: {set: {X-A: "${route}"}, add: {X-B: "b"}, remove: [Cookie]}
          response_headers: {remove: [Server]}
        """));
    RouteConfig r = c.routes().get(0);
    assertThat(r.upstream()).isEmpty();
    assertThat(r.upstreamNames()).containsExactly("a", "b");
    RoutePolicies p = r.policies();
    assertThat(p.split()).containsExactly(new SplitEntry("a", 90), new SplitEntry("b", 10));
    assertThat(p.matchHeaders()).containsExactly(Map.entry("X-Canary", "1"), Map.entry("X-Any", "*"));
    assertThat(p.matchQuery()).containsExactly(Map.entry("v", "2"));
    assertThat(p.matcherCount()).isEqualTo(3);
    assertThat(p.rewrite()).contains(new RoutePolicies.Rewrite("^/app/(.*)", "/$1"));
    assertThat(p.requestHeaders().set()).containsEntry("X-A", "${route}");
    assertThat(p.requestHeaders().add()).containsEntry("X-B", "b");
    assertThat(p.requestHeaders().remove()).containsExactly("Cookie");
    assertThat(p.responseHeaders().remove()).containsExactly("Server");
    assertThat(parse(gateway("plain: {path_pattern: \"^/\", upstream: a}")).routes().get(0).policies())
        .isEqualTo(RoutePolicies.NONE);
  }

  @Test
  void upstreamAndSplitAreExclusiveAndOneIsRequired() {
    String both = gateway("app: {path_pattern: \"^/\", upstream: a, split: [{upstream: b, weight: 1}]}");
    assertHasError(failure(both), lineOf(both, "app:"), "api_gateway.routes.app.split", "either upstream or split");
    String neither = gateway("app: {path_pattern: \"^/\"}");
    assertHasError(failure(neither), lineOf(neither, "app:"), "api_gateway.routes.app.upstream", "or split");
  }

  @Test
  void splitWeightsAreCheckedAndEveryUpstreamMustExist() {
    String yaml = gateway("""
        zero:
          path_pattern: "^/z"
          split: [{upstream: a, weight: 0}, {upstream: b, weight: 0}]
        big:
          path_pattern: "^/big"
          split: [{upstream: a, weight: 1001}]
        unknown:
          path_pattern: "^/u"
          split: [{upstream: a, weight: 1}, {upstream: nope, weight: 1}]
        twice:
          path_pattern: "^/t"
          split: [{upstream: a, weight: 1}, {upstream: a, weight: 2}]
        """);
    ConfigException e = failure(yaml);
    assertHasError(e, lineOf(yaml, "zero:") + 2, "api_gateway.routes.zero.split", "every weight is 0");
    assertHasError(e, lineOf(yaml, "weight: 1001"), "api_gateway.routes.big.split[0].weight", "between 0 and 1000");
    assertHasError(e, lineOf(yaml, "upstream: nope"), "api_gateway.routes.unknown.split[1].upstream",
        "unknown upstream \"nope\"");
    assertHasError(e, lineOf(yaml, "weight: 2"), "api_gateway.routes.twice.split[1].upstream", "listed twice");
  }

  @Test
  void headerRulesMatchersAndRewriteAreValidated() {
    String yaml = gateway("""
        app:
          path_pattern: "^/"
          upstream: a
          match_headers: {"Bad Name": "1"}
          rewrite: {pattern: "^/(x)", replacement: "/$3"}
          request_headers:
            set: {Content-Length: "1"}
            add: {X-Id: "${nope}"}
          response_headers:
            set: {Host: "h"}
            remove: [Transfer-Encoding]
        """);
    ConfigException e = failure(yaml);
    assertHasError(e, lineOf(yaml, "Bad Name"), "api_gateway.routes.app.match_headers.Bad Name", "not a header name");
    assertHasError(e, lineOf(yaml, "rewrite:"), "api_gateway.routes.app.rewrite.replacement", "$3 names group 3");
    assertHasError(e, lineOf(yaml, "Content-Length"), "api_gateway.routes.app.request_headers.set.Content-Length",
        "framing or hop-by-hop");
    assertHasError(e, lineOf(yaml, "${nope}"), "api_gateway.routes.app.request_headers.add.X-Id",
        "unknown variable ${nope}");
    assertHasError(e, lineOf(yaml, "Host:"), "api_gateway.routes.app.response_headers.set.Host", "request header");
    assertHasError(e, lineOf(yaml, "Transfer-Encoding"), "api_gateway.routes.app.response_headers.remove",
        "framing or hop-by-hop");
  }

  @Test
  void duplicateHeaderNamesDifferingInCaseAreRefused() {
    String yaml = gateway("""
        app:
          path_pattern: "^/"
          upstream: a
          match_headers: {X-A: "1", x-a: "2"}
        """);
    assertHasError(failure(yaml), lineOf(yaml, "match_headers"), "api_gateway.routes.app.match_headers.x-a",
        "listed twice");
  }

  @Test
  void routesWithMoreMatchersComeFirstAtEqualLength() throws Exception {
    ProxyConfig c = parse(gateway("""
        first: {path_pattern: "^/a", upstream: a}
        one: {path_pattern: "^/a", upstream: a, match_query: {x: "1"}}
        two: {path_pattern: "^/a", upstream: a, match_headers: {X-A: "1"}, match_query: {x: "1"}}
        longer: {path_pattern: "^/ab", upstream: a}
        """));
    assertThat(RouteOrder.sort(c.routes()).stream().map(RouteConfig::name).toList())
        .containsExactly("longer", "two", "one", "first");
  }

  @Test
  void aReloadDiffNamesARouteWhosePoliciesChanged() throws Exception {
    String base = "app: {path_pattern: \"^/\", split: [{upstream: a, weight: 9}, {upstream: b, weight: 1}]}";
    ProxyConfig before = parse(gateway(base));
    for (String changed : List.of(base.replace("weight: 1}", "weight: 2}"),
        base.replace("}]}", "}], match_headers: {X-A: \"1\"}}"),
        base.replace("}]}", "}], rewrite: {pattern: \"^/\", replacement: \"/v2/\"}}"),
        base.replace("}]}", "}], response_headers: {add: {X-A: \"1\"}}}"))) {
      ConfigDiff diff = ConfigDiff.between(before, parse(gateway(changed)));
      assertThat(diff.routes().changed()).as(changed).containsExactly("app");
    }
    assertThat(ConfigDiff.between(before, parse(gateway(base))).isEmpty()).isTrue();
  }
}
