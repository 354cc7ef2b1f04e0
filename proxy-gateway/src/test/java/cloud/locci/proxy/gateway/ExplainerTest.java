package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExplainerTest {

  // The seed guide's example (§7 "Route matching order"), catch-all listed first.
  static final String SEED = """
      mode: api_gateway
      upstreams:
        users_service: { servers: ["10.0.0.1:3000", "10.0.0.2:3000"] }
        web_service: { servers: ["10.0.0.9:8080"] }
      api_gateway:
        routes:
          web_app:
            path_pattern: "^/"
            upstream: web_service
          users_api:
            path_pattern: "^/api/users"
            methods: [GET, POST, PUT, DELETE]
            upstream: users_service
            strip_prefix: false
            timeout_secs: 30
      """;

  static ProxyConfig config(String yaml) throws Exception {
    return ConfigLoader.parse(yaml, "test.yaml", ConfigOverrides.none());
  }

  @Test
  void seedExampleGoesToUsersApiAndListsTheRestAsNotTried() throws Exception {
    Explanation e = Explainer.explain(config(SEED), new ExplainQuery("GET", "", "/api/users/123"));
    assertThat(e.served()).isTrue();
    assertThat(e.winner()).contains("users_api");
    assertThat(e.candidates()).extracting(Explanation.Candidate::route).containsExactly("users_api", "web_app");
    assertThat(e.candidates()).extracting(Explanation.Candidate::outcome).containsExactly("matched", "not_tried");
    Explanation.Target t = e.target().orElseThrow();
    assertThat(t.upstream()).isEqualTo("users_service");
    assertThat(t.strategy()).isEqualTo("round_robin");
    assertThat(t.healthyServers()).containsExactly("10.0.0.1:3000", "10.0.0.2:3000");
    assertThat(t.uri()).isEqualTo("/api/users/123");
    assertThat(t.timeoutSecs()).isEqualTo(30);
  }

  @Test
  void aMethodTheLongRouteRefusesFallsThroughToTheCatchAll() throws Exception {
    Explanation e = Explainer.explain(config(SEED), new ExplainQuery("PATCH", "", "/api/users/1"));
    assertThat(e.winner()).contains("web_app");
    assertThat(e.candidates().get(0).outcome()).isEqualTo("method_not_allowed");
    assertThat(e.candidates().get(0).detail()).contains("PATCH");
  }

  @Test
  void noRouteIs404AndOnlyAMethodMismatchIs405WithAllow() throws Exception {
    String yaml = """
        mode: api_gateway
        upstreams:
          u: { servers: ["10.0.0.1:1"] }
        api_gateway:
          routes:
            read:
              path_pattern: "^/items"
              methods: [GET]
              upstream: u
              host: shop.example.com
        """;
    Explanation none = Explainer.explain(config(yaml), new ExplainQuery("GET", "shop.example.com", "/other"));
    assertThat(none.status()).isEqualTo(404);
    assertThat(none.reason()).isEqualTo("route_not_found");
    assertThat(none.candidates().get(0).outcome()).isEqualTo("path_mismatch");

    Explanation wrongHost = Explainer.explain(config(yaml), new ExplainQuery("GET", "evil.org", "/items"));
    assertThat(wrongHost.status()).isEqualTo(404);
    assertThat(wrongHost.candidates().get(0).outcome()).isEqualTo("host_mismatch");

    Explanation method = Explainer.explain(config(yaml), new ExplainQuery("DELETE", "Shop.Example.com:443", "/items"));
    assertThat(method.status()).isEqualTo(405);
    assertThat(method.reason()).isEqualTo("method_not_allowed");
    assertThat(method.allow()).isEqualTo(List.of("GET", "HEAD"));
  }

  @Test
  void stripPrefixShowsTheUpstreamUri() throws Exception {
    String yaml = """
        mode: api_gateway
        upstreams:
          u: { servers: ["10.0.0.1:1"] }
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: u
              strip_prefix: true
        """;
    Explanation e = Explainer.explain(config(yaml), new ExplainQuery("GET", "", "/api/users?x=1"));
    assertThat(e.target().orElseThrow().uri()).isEqualTo("/users?x=1");
  }

  @Test
  void loadBalancerModeSendsEverythingToItsGroup() throws Exception {
    String yaml = """
        mode: load_balancer
        upstreams:
          app: { servers: ["10.0.0.1:1", "10.0.0.2:1"] }
        load_balancer:
          upstream: app
        """;
    Explanation e = Explainer.explain(config(yaml), new ExplainQuery("POST", "", "/anything?x"));
    assertThat(e.mode()).isEqualTo("load_balancer");
    assertThat(e.served()).isTrue();
    assertThat(e.target().orElseThrow().upstream()).isEqualTo("app");
    assertThat(e.target().orElseThrow().uri()).isEqualTo("/anything?x");
  }
}
