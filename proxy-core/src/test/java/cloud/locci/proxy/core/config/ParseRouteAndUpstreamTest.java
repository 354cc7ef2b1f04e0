package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cloud.locci.proxy.core.config.UpstreamConfig.HashOn;
import cloud.locci.proxy.core.config.UpstreamConfig.HealthCheckConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link ConfigLoader#parseRoute} and {@link ConfigLoader#parseUpstream}: one object as the control API gets it. */
class ParseRouteAndUpstreamTest {

  private static final String API = "control API";

  @Test
  void routeFromJson() throws Exception {
    RouteConfig r = ConfigLoader.parseRoute("orders", """
        {"path_pattern": "^/api/orders", "methods": ["get", "Post"], "upstream": "orders_service",
         "strip_prefix": true, "timeout_secs": 5, "host": "*.example.com", "retries": 2,
         "max_body_size": 1024, "middlewares": ["cors", "rate_limiting"]}
        """, API);

    assertThat(r).isEqualTo(new RouteConfig("orders", "^/api/orders", List.of("GET", "POST"), "orders_service", true,
        5, Optional.of("*.example.com"), 2, List.of("cors", "rate_limiting"), Optional.of(1024L)));
  }

  @Test
  void minimalRouteFromJsonTakesDefaults() throws Exception {
    RouteConfig r = ConfigLoader.parseRoute("web", "{\"path_pattern\": \"^/\", \"upstream\": \"web\"}", API);

    assertThat(r).isEqualTo(RouteConfig.of("web", "^/", "web"));
  }

  @Test
  void routeFromYaml() throws Exception {
    RouteConfig r = ConfigLoader.parseRoute("web", """
        path_pattern: "^/"
        upstream: web
        methods: [GET]
        """, API);

    assertThat(r.methods()).containsExactly("GET");
  }

  @Test
  void unknownKeyInJsonRoute() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseRoute("orders",
        "{\"path_pattern\": \"^/a\",\n \"upstream\": \"u\",\n \"stripPrefix\": true}", API));

    assertThat(e.errors()).singleElement().satisfies(err -> {
      assertThat(err.source()).isEqualTo(API);
      assertThat(err.line()).isEqualTo(3);
      assertThat(err.path()).isEqualTo("orders.stripPrefix");
      assertThat(err.message()).isEqualTo("unknown key; did you mean \"strip_prefix\"?");
    });
    assertThat(e.getMessage()).isEqualTo("control API:3: orders.stripPrefix: unknown key; did you mean \"strip_prefix\"?");
  }

  @Test
  void everyProblemOfAJsonRoute() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseRoute("orders",
        "{\"methods\": \"GET\", \"timeout_secs\": \"5\", \"retries\": 11}", API));

    assertThat(e.errors()).extracting(ConfigError::line, ConfigError::path).containsExactlyInAnyOrder(
        tuple(1, "orders.path_pattern"),
        tuple(1, "orders.upstream"),
        tuple(1, "orders.methods"),
        tuple(1, "orders.timeout_secs"),
        tuple(1, "orders.retries"));
    assertThat(e.getMessage()).contains("control API:1: orders.path_pattern: missing required key")
        .contains("control API:1: orders.methods: expected a list, got string \"GET\"")
        .contains("control API:1: orders.timeout_secs: expected an integer, got string \"5\"")
        .contains("control API:1: orders.retries: must be between 0 and 10, got 11");
  }

  @Test
  void jsonArrayIsNotARoute() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.parseRoute("orders", "[\"^/a\", \"u\"]", API));

    assertThat(e.errors()).singleElement().satisfies(err -> {
      assertThat(err.path()).isEqualTo("orders");
      assertThat(err.message()).isEqualTo("expected a mapping of keys, got a list");
    });
  }

  @Test
  void brokenJson() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.parseRoute("orders", "{\"path_pattern\": \"^/a\",\n \"upstream\" \"u\"}", API));

    assertThat(e.errors()).singleElement().satisfies(err -> {
      assertThat(err.line()).isEqualTo(2);
      assertThat(err.message()).startsWith("invalid YAML: while parsing a flow mapping");
    });
  }

  @Test
  void jsonNullValueIsMissing() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.parseRoute("orders", "{\"path_pattern\": \"^/a\", \"upstream\": null}", API));

    assertThat(e.getMessage()).isEqualTo(
        "control API:1: orders.upstream: missing required key (name of an upstream group, or split: a weighted list of them)");
  }

  @Test
  void emptyBody() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseRoute("orders", "", API));

    assertThat(e.errors()).singleElement().satisfies(err -> assertThat(err.message()).contains("empty"));
  }

  @Test
  void upstreamFromJson() throws Exception {
    UpstreamConfig u = ConfigLoader.parseUpstream("orders_service", """
        {"servers": ["10.0.0.1:3000", {"address": "[::1]:3001", "weight": 4}],
         "strategy": "weighted_round_robin",
         "health_check": {"interval_secs": 5, "timeout_secs": 1, "path": "/healthz", "unhealthy_threshold": 3}}
        """, API);

    assertThat(u.name()).isEqualTo("orders_service");
    assertThat(u.servers()).containsExactly(ServerEntry.of("10.0.0.1:3000"),
        new ServerEntry(new ServerAddress("::1", 3001), 4));
    assertThat(u.strategy()).isEqualTo(Strategy.WEIGHTED_ROUND_ROBIN);
    assertThat(u.hashOn()).isEqualTo(HashOn.CLIENT_IP);
    assertThat(u.healthCheck()).contains(new HealthCheckConfig(5, 1, Optional.of("/healthz"), 1, 3));
  }

  @Test
  void unknownKeyInJsonUpstream() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseUpstream("orders_service",
        "{\"servers\": [\"10.0.0.1:3000\"], \"stratgy\": \"random_two_choices\"}", API));

    assertThat(e.errors()).singleElement().satisfies(err -> {
      assertThat(err.line()).isEqualTo(1);
      assertThat(err.path()).isEqualTo("orders_service.stratgy");
      assertThat(err.message()).contains("did you mean \"strategy\"?");
    });
  }

  @Test
  void badAddressInJsonUpstream() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseUpstream("orders_service",
        "{\"servers\": [\"10.0.0.1:3000\", \"http://10.0.0.2:3000\"]}", API));

    assertThat(e.errors()).singleElement().satisfies(err -> {
      assertThat(err.path()).isEqualTo("orders_service.servers[1]");
      assertThat(err.message()).contains("has a scheme");
    });
  }

  @Test
  void upstreamWithoutServers() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.parseUpstream("orders_service", "{\"strategy\": \"round_robin\"}", API));

    assertThat(e.getMessage()).isEqualTo("control API:1: orders_service.servers: missing required key"
        + " (a list of \"host:port\")");
  }
}
