package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertHasError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.assertOnlyError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.gateway;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static cloud.locci.proxy.core.config.ConfigTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per kind of configuration error. Each asserts the line and the key path the error names,
 * both in {@link ConfigError} and in the printed {@code config.yaml:LINE: PATH: message} form.
 */
class ConfigErrorKindsTest {

  @Nested
  class UnknownKey {

    @Test
    void closeToAKnownKeySuggestsIt() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
              stratgy: round_robin
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "stratgy"), "upstreams.web.stratgy",
          "unknown key; did you mean \"strategy\"?");
    }

    @Test
    void atTopLevelSuggestsTheSection() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          contol_api:
            enabled: false
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "contol_api"), "contol_api",
          "unknown key; did you mean \"control_api\"?");
    }

    @Test
    void farFromEveryKnownKeyListsTheKnownKeys() {
      String yaml = """
          mode: load_balancer
          server:
            colour: blue
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      ConfigError e = assertOnlyError(failure(yaml), lineOf(yaml, "colour"), "server.colour", "unknown key");
      assertThat(e.message()).doesNotContain("did you mean")
          .contains("known keys here:").contains("bind_address").contains("workers").contains("tls");
    }

    @Test
    void insideARouteAndAMiddleware() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api"
                upstream: users_service
                stip_prefix: true
            middlewares:
              cors:
                allowed_orgins: ["*"]
          """);

      ConfigException e = failure(yaml);

      assertThat(e.errors()).hasSize(2);
      assertHasError(e, lineOf(yaml, "stip_prefix"), "api_gateway.routes.users.stip_prefix",
          "did you mean \"strip_prefix\"?");
      assertHasError(e, lineOf(yaml, "allowed_orgins"), "api_gateway.middlewares.cors.allowed_orgins",
          "did you mean \"allowed_origins\"?");
    }
  }

  @Nested
  class WrongType {

    @Test
    void stringWhereIntegerExpected() {
      String yaml = """
          mode: load_balancer
          server:
            workers: "four"
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "workers"), "server.workers",
          "expected an integer, got string \"four\"");
    }

    @Test
    void quotedNumberIsAStringNotAnInteger() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api"
                upstream: users_service
                timeout_secs: "30"
          """);

      assertOnlyError(failure(yaml), lineOf(yaml, "timeout_secs"), "api_gateway.routes.users.timeout_secs",
          "expected an integer, got string \"30\"");
    }

    @Test
    void integerOutOfRange() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
              health_check:
                interval_secs: 0
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "interval_secs"), "upstreams.web.health_check.interval_secs",
          "must be between 1 and 86400, got 0");
    }

    @Test
    void trustedProxyThatIsNotAnAddressBlock() {
      String yaml = """
          mode: load_balancer
          server:
            trusted_proxies:
              - "10.0.0.0/8"
              - "proxy.internal"
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "proxy.internal"), "server.trusted_proxies[1]",
          "\"proxy.internal\" is not an address block");
    }

    @Test
    void hugeIntegerIsOutOfRangeNotGarbage() {
      String yaml = """
          mode: load_balancer
          server:
            workers: 99999999999999999999999
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "workers"), "server.workers", "must be between 1 and 1024");
    }

    @Test
    void integersWithLeadingZerosAreDecimal() throws Exception {
      // YAML 1.2 reads 010 as ten; only 0o10 is octal.
      ProxyConfig c = parse(gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api"
                upstream: users_service
                timeout_secs: 010
              web:
                path_pattern: "^/"
                upstream: web_service
                timeout_secs: 09
              hex:
                path_pattern: "^/hex"
                upstream: web_service
                timeout_secs: 0x1F
              octal:
                path_pattern: "^/oct"
                upstream: web_service
                timeout_secs: 0o17
          """));

      assertThat(c.routes()).extracting(RouteConfig::timeoutSecs).containsExactly(10, 9, 31, 15);
    }

    @Test
    void listWhereMappingExpected() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
              health_check: [interval_secs, 10]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "health_check"), "upstreams.web.health_check",
          "expected a mapping of keys, got a list");
    }

    @Test
    void listOfRoutesWhereMappingOfNamedRoutesExpected() {
      String yaml = gateway("""
          api_gateway:
            routes:
              - path_pattern: "^/api"
                upstream: users_service
          """);

      assertOnlyError(failure(yaml), lineOf(yaml, "- path_pattern"), "api_gateway.routes",
          "expected a mapping of keys, got a list");
    }

    @Test
    void mappingWhereListExpected() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers:
                a: "10.0.0.1:3000"
          load_balancer:
            upstream: web
          """;

      ConfigException e = failure(yaml);

      // Only the cause: no second "empty server list" about the same key.
      assertOnlyError(e, lineOf(yaml, "a: \"10.0.0.1"), "upstreams.web.servers", "expected a list, got a mapping");
    }

    @Test
    void nonBooleanTls() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
              tls: "yes"
            api:
              servers: ["10.0.0.2:3000"]
              tls: 1
            plain:
              servers: ["10.0.0.3:3000"]
              tls: yes
          load_balancer:
            upstream: web
          """;

      ConfigException e = failure(yaml);

      assertThat(e.errors()).hasSize(3);
      assertHasError(e, lineOf(yaml, "tls: \"yes\""), "upstreams.web.tls", "expected true or false, got string \"yes\"");
      assertHasError(e, lineOf(yaml, "tls: 1"), "upstreams.api.tls", "expected true or false, got integer \"1\"");
      // YAML 1.2: an unquoted yes is a string, not a boolean.
      assertHasError(e, lineOf(yaml, "tls: yes"), "upstreams.plain.tls", "expected true or false, got string \"yes\"");
    }

    @Test
    void mappingWhereStringExpected() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: {name: web}
          """;

      assertHasError(failure(yaml), lineOf(yaml, "upstream: {"), "load_balancer.upstream",
          "expected a string, got a mapping");
    }

    @Test
    void wholeDocumentNotAMapping() {
      ConfigException e = failure("- mode: load_balancer\n- upstreams: {}\n");

      assertOnlyError(e, 1, "", "expected a mapping of keys, got a list");
    }

    @Test
    void unknownModeValue() {
      String yaml = """
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          mode: lb
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "mode: lb"), "mode",
          "unknown mode \"lb\"; expected load_balancer or api_gateway");
    }

    @Test
    void notAnHttpMethod() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api"
                upstream: users_service
                methods: [get, "PO ST"]
          """);

      assertOnlyError(failure(yaml), lineOf(yaml, "methods"), "api_gateway.routes.users.methods[1]",
          "\"PO ST\" is not an HTTP method");
    }

    @Test
    void healthCheckPathWithoutSlash() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
              health_check:
                path: health
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "path: health"), "upstreams.web.health_check.path",
          "must start with \"/\"");
    }
  }

  @Nested
  class MissingRequiredKey {

    @Test
    void mode() {
      String yaml = """
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), 1, "mode", "missing required key (load_balancer or api_gateway)");
    }

    @Test
    void modeAfterLeadingComments() {
      String yaml = """
          # Locci Proxy
          # configuration

          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "upstreams:"), "mode", "missing required key");
    }

    @Test
    void upstreams() {
      String yaml = """
          mode: load_balancer
          load_balancer:
            upstream: web
          """;

      ConfigException e = failure(yaml);

      assertHasError(e, 1, "upstreams", "missing required key");
      assertHasError(e, lineOf(yaml, "upstream: web"), "load_balancer.upstream", "unknown upstream \"web\"");
    }

    @Test
    void loadBalancerUpstream() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            middlewares: []
          """;

      // Only the cause: the section is there, so no "missing required section" as well.
      assertOnlyError(failure(yaml), lineOf(yaml, "load_balancer:"), "load_balancer.upstream",
          "missing required key (name of the upstream group to balance across)");
    }

    @Test
    void routePathPattern() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                upstream: users_service
          """);

      assertOnlyError(failure(yaml), lineOf(yaml, "users:"), "api_gateway.routes.users.path_pattern",
          "missing required key");
    }

    @Test
    void routeUpstream() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api"
          """);

      assertOnlyError(failure(yaml), lineOf(yaml, "users:"), "api_gateway.routes.users.upstream",
          "missing required key");
    }

    @Test
    void routeWrittenWithoutABodyIsNotDropped() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
              web:
                path_pattern: "^/"
                upstream: web_service
          """);

      ConfigException e = failure(yaml);

      assertThat(e.errors()).hasSize(2);
      assertHasError(e, lineOf(yaml, "users:"), "api_gateway.routes.users.path_pattern", "missing required key");
      assertHasError(e, lineOf(yaml, "users:"), "api_gateway.routes.users.upstream", "missing required key");
    }

    @Test
    void upstreamWrittenWithoutABody() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
            api:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      // The group is named, so the reference to it is fine; what it lacks is its servers.
      assertOnlyError(failure(yaml), lineOf(yaml, "web:"), "upstreams.web.servers", "missing required key");
    }

    @Test
    void upstreamServers() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              strategy: round_robin
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "web:"), "upstreams.web.servers", "missing required key");
    }

    @Test
    void serverTlsKeyPath(@TempDir Path dir) throws IOException {
      Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
      String yaml = """
          mode: load_balancer
          server:
            tls:
              cert_path: "CERT"
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """.replace("CERT", cert.toString());

      assertOnlyError(failure(yaml), lineOf(yaml, "tls:"), "server.tls.key_path", "missing required key");
    }

    @Test
    void rateLimitingRequestsPerMinute() {
      String yaml = gateway("""
          api_gateway:
            routes: {}
            middlewares:
              rate_limiting:
                burst_size: 10
          """);

      assertOnlyError(failure(yaml), lineOf(yaml, "rate_limiting:"),
          "api_gateway.middlewares.rate_limiting.requests_per_minute", "missing required key");
    }
  }

  @Nested
  class MissingModeSection {

    @Test
    void loadBalancerModeWithoutLoadBalancerSection() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api"
                upstream: users_service
          """).replace("mode: api_gateway", "mode: load_balancer");

      assertOnlyError(failure(yaml), lineOf(yaml, "mode:"), "load_balancer",
          "missing required section: mode is load_balancer");
    }

    @Test
    void gatewayModeWithoutGatewaySection() {
      String yaml = """
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          mode: api_gateway
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "mode:"), "api_gateway",
          "missing required section: mode is api_gateway");
    }
  }

  @Nested
  class UnknownReference {

    @Test
    void routeToUnknownUpstreamListsTheKnownOnes() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api/users"
                upstream: user_service
          """);

      ConfigError e = assertOnlyError(failure(yaml), lineOf(yaml, "upstream: user_service"),
          "api_gateway.routes.users.upstream", "unknown upstream \"user_service\"");
      assertThat(e.message()).contains("did you mean \"users_service\"?").endsWith("known: users_service, web_service");
    }

    @Test
    void loadBalancerToUnknownUpstream() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: app_fleet
          """;

      ConfigError e = assertOnlyError(failure(yaml), lineOf(yaml, "app_fleet"), "load_balancer.upstream",
          "unknown upstream \"app_fleet\"");
      assertThat(e.message()).doesNotContain("did you mean").endsWith("known: web");
    }

    @Test
    void routeToUnknownMiddleware() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api/users"
                upstream: users_service
                middlewares:
                  - cors
                  - auth
            middlewares:
              cors: {}
              authentication:
                jwt_secret: 0123456789abcdef0123456789abcdef-test
          """);

      ConfigError e = assertOnlyError(failure(yaml), lineOf(yaml, "- auth"),
          "api_gateway.routes.users.middlewares[1]", "unknown middleware \"auth\"");
      assertThat(e.message()).endsWith("known: cors, authentication");
    }

    @Test
    void routeToMiddlewareWhenNoneAreDeclared() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api/users"
                upstream: users_service
                middlewares: [cors]
          """);

      ConfigError e = assertOnlyError(failure(yaml), lineOf(yaml, "[cors]"), "api_gateway.routes.users.middlewares[0]",
          "unknown middleware \"cors\"");
      assertThat(e.message()).endsWith("known: (none)");
    }

    @Test
    void loadBalancerToUnknownMiddleware() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
            middlewares: [limiter]
          middlewares:
            limit:
              type: rate_limiting
              requests_per_minute: 60
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "[limiter]"), "load_balancer.middlewares[0]",
          "unknown middleware \"limiter\"; did you mean \"limit\"?");
    }
  }

  @Nested
  class Addresses {

    @Test
    void serverWithAScheme() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers:
                - "10.0.0.2:3000"
                - "http://10.0.0.1:3000"
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "http://"), "upstreams.web.servers[1]",
          "has a scheme; write host:port without \"http://\", e.g. \"10.0.0.1:3000\"");
    }

    @Test
    void bindAddressWithAScheme() {
      String yaml = """
          mode: load_balancer
          server:
            bind_address: "https://0.0.0.0:8443"
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "bind_address"), "server.bind_address", "has a scheme");
    }

    @Test
    void serverWithoutAPort() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers:
                - "10.0.0.1"
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "- \"10.0.0.1\""), "upstreams.web.servers[0]",
          "has no port; expected host:port, e.g. \"10.0.0.1:8080\"");
    }

    @Test
    void controlApiWithoutAPort() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          control_api:
            bind_address: localhost
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "localhost"), "control_api.bind_address", "has no port");
    }

    @Test
    void weightedServerWithoutAPort() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers:
                - address: "10.0.0.1"
                  weight: 2
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "address:"), "upstreams.web.servers[0].address", "has no port");
    }

    @Test
    void upstreamServerOnPortZero() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000", "10.0.0.2:0"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "servers"), "upstreams.web.servers[1]",
          "port 0 cannot be connected to");
    }

    @Test
    void listenersOnPortZeroAreEphemeralAndDoNotCollide() throws Exception {
      ProxyConfig c = parse("""
          mode: load_balancer
          server:
            bind_address: "127.0.0.1:0"
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          control_api:
            bind_address: "127.0.0.1:0"
          """);

      assertThat(c.server().bindAddress().port()).isZero();
      assertThat(c.controlApi().bindAddress().port()).isZero();
    }

    @Test
    void controlApiOnTheProxyPort() {
      String yaml = """
          mode: load_balancer
          server:
            bind_address: "0.0.0.0:8080"
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          control_api:
            bind_address: "127.0.0.1:8080"
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "127.0.0.1:8080"), "control_api.bind_address",
          "uses the same port as server.bind_address (0.0.0.0:8080)");
    }
  }

  @Nested
  class Duplicates {

    @Test
    void duplicateYamlKeyInsideUpstreams() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
            api:
              servers: ["10.0.0.2:3000"]
            web:
              servers: ["10.0.0.3:3000"]
          load_balancer:
            upstream: web
          """;

      ConfigException e = failure(yaml);

      assertOnlyError(e, 7, "upstreams.web", "duplicate key \"web\" (first at line 3)");
    }

    @Test
    void duplicateRouteName() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/a"
                upstream: users_service
              users:
                path_pattern: "^/b"
                upstream: users_service
          """);
      int first = lineOf(yaml, "^/a") - 1;
      int second = lineOf(yaml, "^/b") - 1;

      assertOnlyError(failure(yaml), second, "api_gateway.routes.users",
          "duplicate key \"users\" (first at line " + first + ")");
    }

    @Test
    void middlewareNameInBothMaps() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/a"
                upstream: users_service
                middlewares: [cors]
            middlewares:
              cors: {}
          middlewares:
            cors:
              allowed_origins: ["https://example.com"]
          """);

      assertOnlyError(failure(yaml), lineOf(yaml, "allowed_origins") - 1, "middlewares.cors",
          "duplicate middleware name \"cors\": also declared under api_gateway.middlewares");
    }

    @Test
    void duplicateServerAddressInOneGroup() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers:
                - "10.0.0.1:3000"
                - "10.0.0.2:3000"
                - address: "10.0.0.1:3000"
                  weight: 5
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "address: \"10.0.0.1"), "upstreams.web.servers[2]",
          "duplicate server 10.0.0.1:3000");
    }

    @Test
    void sameServerInTwoGroupsIsFine() throws Exception {
      ProxyConfig c = parse("""
          mode: load_balancer
          upstreams:
            a:
              servers: ["10.0.0.1:3000"]
            b:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: a
          """);

      assertThat(c.upstreams()).hasSize(2);
    }
  }

  @Nested
  class EmptyServerList {

    @Test
    void emptyFlowList() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: []
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "servers"), "upstreams.web.servers",
          "empty server list; an upstream group needs at least one \"host:port\"");
    }
  }

  @Nested
  class TlsFiles {

    @TempDir
    Path dir;

    @Test
    void serverCertificateThatDoesNotExist() throws IOException {
      Path key = Files.writeString(dir.resolve("key.pem"), "k");
      Path missing = dir.resolve("missing-cert.pem");
      String yaml = """
          mode: load_balancer
          server:
            bind_address: "0.0.0.0:8443"
            tls:
              cert_path: "CERT"
              key_path: "KEY"
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """.replace("CERT", missing.toString()).replace("KEY", key.toString());

      assertOnlyError(failure(yaml), lineOf(yaml, "cert_path"), "server.tls.cert_path",
          "file \"" + missing + "\" does not exist");
    }

    @Test
    void serverKeyThatIsADirectory() throws IOException {
      Path cert = Files.writeString(dir.resolve("cert.pem"), "c");
      String yaml = """
          mode: load_balancer
          server:
            tls:
              cert_path: "CERT"
              key_path: "KEY"
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """.replace("CERT", cert.toString()).replace("KEY", dir.toString());

      assertOnlyError(failure(yaml), lineOf(yaml, "key_path"), "server.tls.key_path", "does not exist");
    }

    @Test
    void upstreamCaThatDoesNotExist() {
      Path missing = dir.resolve("ca.pem");
      String yaml = """
          mode: load_balancer
          upstreams:
            secure:
              servers: ["backend.internal:443"]
              tls: true
              ca_path: "CA"
          load_balancer:
            upstream: secure
          """.replace("CA", missing.toString());

      assertOnlyError(failure(yaml), lineOf(yaml, "ca_path"), "upstreams.secure.ca_path",
          "file \"" + missing + "\" does not exist");
    }

    @Test
    void existingFilesAreAccepted() throws Exception {
      Path cert = Files.writeString(dir.resolve("cert.pem"), "c");
      Path key = Files.writeString(dir.resolve("key.pem"), "k");
      Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
      ProxyConfig c = parse("""
          mode: load_balancer
          server:
            tls:
              cert_path: "CERT"
              key_path: "KEY"
          upstreams:
            secure:
              servers: ["backend.internal:443"]
              tls: true
              ca_path: "CA"
          load_balancer:
            upstream: secure
          """.replace("CERT", cert.toString()).replace("KEY", key.toString()).replace("CA", ca.toString()));

      assertThat(c.server().tls()).isPresent();
      assertThat(c.upstreams().get("secure").caPath()).contains(ca.toString());
    }

    @Test
    void publicKeyThatDoesNotExist() {
      Path missing = dir.resolve("jwt.pub");
      String yaml = gateway("""
          api_gateway:
            routes: {}
            middlewares:
              authentication:
                public_key_path: "PUB"
          """).replace("PUB", missing.toString());

      assertOnlyError(failure(yaml), lineOf(yaml, "public_key_path"),
          "api_gateway.middlewares.authentication.public_key_path", "does not exist");
    }

    @Test
    void sniAndCaWithoutTls() throws IOException {
      Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
              sni: backend.internal
              ca_path: "CA"
          load_balancer:
            upstream: web
          """.replace("CA", ca.toString());

      ConfigException e = failure(yaml);

      assertThat(e.errors()).hasSize(2);
      assertHasError(e, lineOf(yaml, "sni:"), "upstreams.web.sni", "sni is set but tls is false");
      assertHasError(e, lineOf(yaml, "ca_path"), "upstreams.web.ca_path", "ca_path is set but tls is false");
    }
  }

  @Nested
  class InvalidRegex {

    @Test
    void unclosedGroup() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api/("
                upstream: users_service
          """);

      ConfigError e = assertOnlyError(failure(yaml), lineOf(yaml, "path_pattern"),
          "api_gateway.routes.users.path_pattern", "invalid regular expression \"^/api/(\"");
      assertThat(e.message()).contains("missing closing )");
    }

    @Test
    void backreferenceThatRe2Rejects() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "(a)\\\\1"
                upstream: users_service
          """);

      ConfigError e = assertOnlyError(failure(yaml), lineOf(yaml, "path_pattern"),
          "api_gateway.routes.users.path_pattern", "invalid regular expression \"(a)\\1\"");
      assertThat(e.message()).contains("no backreferences or lookaround");
    }

    @Test
    void lookaheadThatRe2Rejects() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api(?!/internal)"
                upstream: users_service
          """);

      assertOnlyError(failure(yaml), lineOf(yaml, "path_pattern"), "api_gateway.routes.users.path_pattern",
          "invalid regular expression");
    }

    @Test
    void goRegexFeaturesAreAccepted() throws Exception {
      ProxyConfig c = parse(gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api/(?P<id>[0-9]+)/(?i:items)$"
                upstream: users_service
          """));

      assertThat(c.routes()).hasSize(1);
    }

    @Test
    void hostThatIsNotAHostName() {
      String yaml = gateway("""
          api_gateway:
            routes:
              users:
                path_pattern: "^/api"
                upstream: users_service
                host: "http://example.com"
          """);

      assertOnlyError(failure(yaml), lineOf(yaml, "host:"), "api_gateway.routes.users.host",
          "is not a host name or *.domain pattern");
    }
  }

  @Nested
  class InvalidYaml {

    @Test
    void mappingValueInAPlainScalar() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: a: b
          """;

      ConfigException e = failure(yaml);

      assertThat(e.errors()).hasSize(1);
      ConfigError error = e.errors().get(0);
      assertThat(error.line()).isEqualTo(4);
      assertThat(error.message()).startsWith("invalid YAML: ").contains("mapping values are not allowed");
      assertThat(e.getMessage()).startsWith("config.yaml:4: invalid YAML");
    }

    @Test
    void tabIndentation() {
      String yaml = "mode: load_balancer\nupstreams:\n  web:\n    servers:\n\t- \"10.0.0.1:3000\"\n";

      ConfigException e = failure(yaml);

      assertThat(e.errors()).singleElement().satisfies(err -> {
        assertThat(err.line()).isEqualTo(5);
        assertThat(err.message()).startsWith("invalid YAML").contains("TAB");
      });
      assertThat(e.getMessage()).startsWith("config.yaml:5: invalid YAML");
    }

    @Test
    void unclosedFlowList() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"
          load_balancer:
            upstream: web
          """;

      ConfigException e = failure(yaml);

      // The parser notices at the next key, where a ',' or ']' should have been.
      assertThat(e.errors()).singleElement().satisfies(err -> {
        assertThat(err.line()).isEqualTo(lineOf(yaml, "load_balancer:"));
        assertThat(err.message()).startsWith("invalid YAML: while parsing a flow sequence");
      });
    }

    @Test
    void nullDocumentIsAnEmptyMappingNotACrash() {
      ConfigException e = failure("~\n");

      assertThat(e.errors()).extracting(ConfigError::path).containsExactly("mode", "upstreams");
    }

    @Test
    void emptyDocument() {
      ConfigException e = failure("# nothing but a comment\n");

      assertThat(e.errors()).singleElement().satisfies(err -> assertThat(err.message()).contains("empty"));
    }

    @Test
    void twoDocuments() {
      ConfigException e = failure("mode: load_balancer\n---\nmode: api_gateway\n");

      assertThat(e.errors()).singleElement().satisfies(err -> {
        assertThat(err.line()).isEqualTo(2);
        assertThat(err.message()).startsWith("invalid YAML").contains("single document");
      });
    }

    @Test
    void missingFile(@TempDir Path dir) {
      Path file = dir.resolve("nope.yaml");

      ConfigException e = assertThrows(ConfigException.class,
          () -> ConfigLoader.load(file, ConfigOverrides.none()));

      assertThat(e.errors()).singleElement().satisfies(err -> {
        assertThat(err.source()).isEqualTo(file.toString());
        assertThat(err.message()).startsWith("file not found");
      });
    }

    @Test
    void errorsOfAFileNameIt(@TempDir Path dir) throws IOException {
      Path file = Files.writeString(dir.resolve("proxy.yaml"), "mode: load_balancer\nupstreams: {}\nlb: {}\n");

      ConfigException e = assertThrows(ConfigException.class,
          () -> ConfigLoader.load(file, ConfigOverrides.none()));

      assertThat(e.getMessage()).contains(file + ":3: lb: unknown key");
    }
  }

  @Nested
  class UnknownEnumValue {

    @Test
    void unknownStrategy() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
              strategy: fastest
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "strategy"), "upstreams.web.strategy",
          "unknown strategy \"fastest\"; expected one of round_robin, weighted_round_robin, least_connections,"
              + " random_two_choices, consistent_hash");
    }

    @Test
    void unknownHashOn() {
      String yaml = """
          mode: load_balancer
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
              strategy: consistent_hash
              hash_on: "header:"
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "hash_on"), "upstreams.web.hash_on", "unknown hash_on \"header:\"");
    }

    @Test
    void badLogLevel() {
      String yaml = """
          mode: load_balancer
          logging:
            level: verbose
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "verbose"), "logging.level",
          "unknown log level \"verbose\"; expected trace, debug, info, warn, error or off");
    }

    @Test
    void badLevelInsideAPerLoggerSpec() {
      String yaml = """
          mode: load_balancer
          logging:
            level: "info,cloud.locci=loud"
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "level"), "logging.level", "unknown log level \"loud\"");
    }

    @Test
    void unknownLogFormat() {
      String yaml = """
          mode: load_balancer
          logging:
            format: xml
          upstreams:
            web:
              servers: ["10.0.0.1:3000"]
          load_balancer:
            upstream: web
          """;

      assertOnlyError(failure(yaml), lineOf(yaml, "format"), "logging.format", "unknown format \"xml\"");
    }
  }
}
