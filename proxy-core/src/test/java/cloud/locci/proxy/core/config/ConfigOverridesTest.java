package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertHasError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.assertOnlyError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static cloud.locci.proxy.core.config.ConfigTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags and environment values ({@link ConfigOverrides}) win over the file and are validated with it. */
class ConfigOverridesTest {

  private static final String BOTH_SECTIONS = """
      mode: api_gateway
      server:
        bind_address: "0.0.0.0:8484"
        workers: 2
      logging:
        level: warn
      upstreams:
        web:
          servers: ["10.0.0.1:3000"]
      load_balancer:
        upstream: web
      api_gateway:
        routes:
          all:
            path_pattern: "^/"
            upstream: web
      """;

  private static final String LB_ONLY = """
      mode: load_balancer
      upstreams:
        web:
          servers: ["10.0.0.1:3000"]
      load_balancer:
        upstream: web
      """;

  private static ConfigOverrides mode(Mode m) {
    return new ConfigOverrides(Optional.of(m), Optional.empty(), Optional.empty(), Optional.empty());
  }

  @Test
  void withoutOverridesTheFileWins() throws Exception {
    ProxyConfig c = parse(BOTH_SECTIONS);

    assertThat(c.mode()).isEqualTo(Mode.API_GATEWAY);
    assertThat(c.server().bindAddress()).isEqualTo(new ServerAddress("0.0.0.0", 8484));
    assertThat(c.server().workers()).contains(2);
    assertThat(c.logging().level()).isEqualTo("warn");
    assertThat(ConfigOverrides.none().applyTo(c)).isEqualTo(c);
  }

  @Test
  void everyOverrideWinsOverTheFile() throws Exception {
    ConfigOverrides o = new ConfigOverrides(Optional.of(Mode.LOAD_BALANCER),
        Optional.of(new ServerAddress("127.0.0.1", 9090)), Optional.of(8), Optional.of("cloud.locci=debug"));

    ProxyConfig c = parse(BOTH_SECTIONS, o);

    assertThat(c.mode()).isEqualTo(Mode.LOAD_BALANCER);
    assertThat(c.server().bindAddress()).isEqualTo(new ServerAddress("127.0.0.1", 9090));
    assertThat(c.server().workers()).contains(8);
    assertThat(c.logging().level()).isEqualTo("cloud.locci=debug");
    // Everything not overridden stays as the file says.
    assertThat(c.upstreams()).containsOnlyKeys("web");
    assertThat(c.routes()).extracting(RouteConfig::name).containsExactly("all");
    assertThat(c.server().maxHeaderSize()).isEqualTo(ServerConfig.DEFAULT_MAX_HEADER_SIZE);
  }

  @Test
  void instancesOverrideAppliesWhenTheFileHasNoWorkers() throws Exception {
    ProxyConfig c = parse(LB_ONLY,
        new ConfigOverrides(Optional.empty(), Optional.empty(), Optional.of(3), Optional.empty()));

    assertThat(c.server().workers()).contains(3);
    assertThat(parse(LB_ONLY).server().workers()).as("no workers key: one per core, decided later").isEmpty();
  }

  @Test
  void modeOverrideMakesTheOtherSectionRequired() {
    ConfigException e = failure(LB_ONLY, mode(Mode.API_GATEWAY));

    assertOnlyError(e, lineOf(LB_ONLY, "mode:"), "api_gateway", "missing required section: mode is api_gateway");
  }

  @Test
  void modeOverrideToLoadBalancerNeedsItsSection() {
    String gatewayOnly = """
        mode: api_gateway
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
        api_gateway:
          routes: {}
        """;

    assertOnlyError(failure(gatewayOnly, mode(Mode.LOAD_BALANCER)), 1, "load_balancer",
        "missing required section: mode is load_balancer");
  }

  @Test
  void fileWithoutModeLoadsWithAModeOverride() throws Exception {
    String noMode = """
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
        load_balancer:
          upstream: web
        """;

    ProxyConfig c = parse(noMode, mode(Mode.LOAD_BALANCER));

    assertThat(c.mode()).isEqualTo(Mode.LOAD_BALANCER);
    assertThat(c.loadBalancer()).isPresent();
    assertOnlyError(failure(noMode), 1, "mode", "missing required key");
  }

  @Test
  void fileWithoutModeAndWrongSectionForTheOverride() {
    String noMode = """
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
        load_balancer:
          upstream: web
        """;

    assertOnlyError(failure(noMode, mode(Mode.API_GATEWAY)), 1, "api_gateway", "missing required section");
  }

  @Test
  void bindOverrideIsValidatedAgainstTheControlApi() {
    ConfigOverrides o = new ConfigOverrides(Optional.empty(), Optional.of(new ServerAddress("0.0.0.0", 8485)),
        Optional.empty(), Optional.empty());

    ConfigException e = failure(LB_ONLY, o);

    assertThat(e.errors()).singleElement().satisfies(err -> {
      assertThat(err.path()).isEqualTo("control_api.bind_address");
      assertThat(err.message()).contains("uses the same port as server.bind_address (0.0.0.0:8485)");
    });
  }

  @Test
  void badLogLevelOverrideIsRefused() {
    ConfigException e = failure(BOTH_SECTIONS,
        new ConfigOverrides(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("loud")));

    assertHasError(e, lineOf(BOTH_SECTIONS, "level:"), "logging.level", "unknown log level \"loud\"");
  }

  @Test
  void overridesApplyToAFileLoadedFromDisk(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("config.yaml"), BOTH_SECTIONS);

    ProxyConfig c = ConfigLoader.load(file, mode(Mode.LOAD_BALANCER));

    assertThat(c.mode()).isEqualTo(Mode.LOAD_BALANCER);
  }

  @Test
  void modeParsesYamlAndCliNames() {
    assertThat(Mode.parse("lb")).contains(Mode.LOAD_BALANCER);
    assertThat(Mode.parse("load_balancer")).contains(Mode.LOAD_BALANCER);
    assertThat(Mode.parse("gateway")).contains(Mode.API_GATEWAY);
    assertThat(Mode.parse("api_gateway")).contains(Mode.API_GATEWAY);
    assertThat(Mode.parse("API_GATEWAY")).isEmpty();
    assertThat(Mode.parse("proxy")).isEmpty();
    assertThat(Mode.API_GATEWAY.yamlName()).isEqualTo("api_gateway");
    assertThat(Mode.LOAD_BALANCER.shortName()).isEqualTo("lb");
  }
}
