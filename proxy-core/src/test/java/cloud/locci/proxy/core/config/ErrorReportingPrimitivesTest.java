package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How errors print, where they are located, and how misspellings are matched. */
class ErrorReportingPrimitivesTest {

  @Test
  void errorPrintsFileLinePathMessage() {
    ConfigError e = new ConfigError("config.yaml", 14, "api_gateway.routes.users.upstream",
        "unknown upstream \"user_service\"; known: users_service, web_service");

    assertThat(e).hasToString("config.yaml:14: api_gateway.routes.users.upstream: unknown upstream"
        + " \"user_service\"; known: users_service, web_service");
  }

  @Test
  void errorWithoutLineOrPath() {
    assertThat(new ConfigError("config.yaml", 0, "", "file not found")).hasToString("config.yaml: file not found");
    assertThat(new ConfigError("config.yaml", 3, "", "invalid YAML: x")).hasToString("config.yaml:3: invalid YAML: x");
    assertThat(new ConfigError("control API", 0, "r.upstream", "missing"))
        .hasToString("control API: r.upstream: missing");
  }

  @Test
  void exceptionCarriesEveryErrorOneLineEach() {
    List<ConfigError> list = new ArrayList<>(List.of(
        new ConfigError("c.yaml", 2, "a", "first"),
        new ConfigError("c.yaml", 5, "b", "second")));

    ConfigException e = new ConfigException(list);
    list.clear();

    assertThat(e.errors()).hasSize(2);
    assertThat(e.getMessage()).isEqualTo("c.yaml:2: a: first\nc.yaml:5: b: second");
    assertThatThrownBy(() -> e.errors().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThat(e.getStackTrace()).as("a user error needs no stack trace").isEmpty();
  }

  @Test
  void locationsFallBackToTheNearestLocatedAncestor() {
    Locations at = new Locations("config.yaml", Map.of(
        "", 1,
        "upstreams", 3,
        "upstreams.web", 4,
        "upstreams.web.servers[1]", 7));

    assertThat(at.lineOf("upstreams.web.servers[1]")).isEqualTo(7);
    assertThat(at.lineOf("upstreams.web.servers[2]")).isEqualTo(4);
    assertThat(at.lineOf("upstreams.web.servers")).isEqualTo(4);
    assertThat(at.lineOf("upstreams.api.servers")).isEqualTo(3);
    assertThat(at.lineOf("load_balancer")).as("absent top-level key: the document's line").isEqualTo(1);
    assertThat(at.error("upstreams.web.sni", "m")).isEqualTo(new ConfigError("config.yaml", 4, "upstreams.web.sni", "m"));
  }

  @Test
  void locationsWithoutAFile() {
    Locations none = Locations.none("control API");

    assertThat(none.source()).isEqualTo("control API");
    assertThat(none.lineOf("api_gateway.routes.x.upstream")).isZero();
    assertThat(none.error("x", "m")).hasToString("control API: x: m");
  }

  @Test
  void validatorLocatesThroughLocations() {
    ProxyConfig c = new ProxyConfig(Mode.LOAD_BALANCER, ServerConfig.defaults(ServerConfig.DEFAULT_BIND),
        LoggingConfig.defaults(), Map.of("web", UpstreamConfig.of("web", List.of())),
        Optional.of(new ProxyConfig.LoadBalancerConfig("web", List.of())), Optional.empty(),
        Map.of(), ControlApiConfig.defaults(), TracingConfig.defaults(), ClusterConfig.defaults());

    List<ConfigError> errors = ConfigValidator.validate(c, new Locations("x.yaml", Map.of("upstreams.web", 9)));

    assertThat(errors).containsExactly(new ConfigError("x.yaml", 9, "upstreams.web.servers",
        "empty server list; an upstream group needs at least one \"host:port\""));
  }

  @Test
  void didYouMean() {
    List<String> keys = List.of("servers", "strategy", "hash_on", "tls", "sni", "health_check");

    assertThat(DidYouMean.closest("stratgy", keys)).contains("strategy");
    assertThat(DidYouMean.closest("Strategy", keys)).as("case-insensitive").contains("strategy");
    assertThat(DidYouMean.closest("server", keys)).contains("servers");
    assertThat(DidYouMean.closest("healthcheck", keys)).contains("health_check");
    assertThat(DidYouMean.closest("colour", keys)).isEmpty();
    assertThat(DidYouMean.closest("x", List.of())).isEmpty();
    assertThat(DidYouMean.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(DidYouMean.distance("", "abc")).isEqualTo(3);
  }
}
