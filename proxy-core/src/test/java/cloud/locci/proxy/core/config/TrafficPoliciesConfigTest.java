package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertHasError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static cloud.locci.proxy.core.config.ConfigTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** SPEC §11 keys of this part: ip_filter, compression, a route's mirror; values, defaults and located errors. */
class TrafficPoliciesConfigTest {

  private static final String GOOD = """
      mode: api_gateway
      upstreams:
        app: {servers: ["127.0.0.1:9001"]}
        shadow: {servers: ["127.0.0.1:9002"]}
      api_gateway:
        routes:
          api:
            path_pattern: "^/api"
            upstream: app
            middlewares: [office, gzip]
            mirror: {upstream: shadow, percent: 25}
          plain:
            path_pattern: "^/plain"
            upstream: app
            mirror: {upstream: shadow}
      middlewares:
        office:
          type: ip_filter
          allow: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
          deny: ["10.9.0.0/16"]
          trusted_proxies: ["127.0.0.1"]
        gzip:
          type: compression
        small:
          type: compression
          min_bytes: 10
          types: ["Text/HTML", "application/*"]
      """;

  @Test
  void keysAndDefaults() throws Exception {
    ProxyConfig c = parse(GOOD);
    MiddlewareConfig.IpFilter f = (MiddlewareConfig.IpFilter) c.allMiddlewares().get("office");
    assertThat(f.allow()).extracting(Cidr::toString).containsExactly("10.0.0.0/8", "2001:db8:0:0:0:0:0:0/32",
        "192.0.2.7/32");
    assertThat(f.deny()).extracting(Cidr::toString).containsExactly("10.9.0.0/16");
    assertThat(f.trustedProxies()).extracting(Cidr::toString).containsExactly("127.0.0.1/32");

    MiddlewareConfig.Compression gzip = (MiddlewareConfig.Compression) c.allMiddlewares().get("gzip");
    assertThat(gzip.minBytes()).isEqualTo(1024);
    assertThat(gzip.types()).containsExactly("text/*", "application/json", "application/javascript", "image/svg+xml");
    MiddlewareConfig.Compression small = (MiddlewareConfig.Compression) c.allMiddlewares().get("small");
    assertThat(small.minBytes()).isEqualTo(10);
    assertThat(small.types()).containsExactly("text/html", "application/*");

    RouteConfig api = c.apiGateway().get().routes().get("api");
    assertThat(api.mirror()).contains(new MirrorConfig("shadow", 25));
    assertThat(c.apiGateway().get().routes().get("plain").mirror()).contains(new MirrorConfig("shadow", 100));
    assertThat(RouteConfig.of("x", "^/", "app").mirror()).isEmpty();

    // The filter trusts 127.0.0.1, the server trusts nobody: its X-Forwarded-For would never arrive.
    assertThat(ConfigWarnings.of(c)).containsExactly("middlewares.office.trusted_proxies[0]: 127.0.0.1/32 is not in"
        + " server.trusted_proxies, so the proxy drops its X-Forwarded-For before this filter runs and the filter"
        + " judges that peer's own address; add it there too");
    ProxyConfig trusted = parse(GOOD.replace("mode: api_gateway\n", "mode: api_gateway\nserver: {trusted_proxies: [\"127.0.0.0/8\"]}\n"));
    assertThat(ConfigWarnings.of(trusted)).isEmpty();
  }

  @Test
  void badBlocksTypesAndMirrorsAreLocatedErrors() {
    String yaml = """
        mode: api_gateway
        upstreams:
          app: {servers: ["127.0.0.1:9001"]}
          shadow: {servers: ["127.0.0.1:9002"]}
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: app
              middlewares: [office, gzip, empty]
              mirror:
                upstream: shadw
                percent: 101
            other:
              path_pattern: "^/other"
              upstream: app
              mirror: {percent: 5}
        middlewares:
          office:
            type: ip_filter
            allow: ["10.0.0.1/8", "example.com"]
            deny: ["::1/129"]
            trusted_proxies: ["10.0.0.0/33"]
          gzip:
            type: compression
            min_bytes: -1
            types: ["json"]
            level: 9
          empty:
            type: ip_filter
        """;
    ConfigException e = failure(yaml);
    assertHasError(e, lineOf(yaml, "10.0.0.1/8"), "middlewares.office.allow[0]", "not an address block");
    assertHasError(e, lineOf(yaml, "10.0.0.1/8"), "middlewares.office.allow[1]", "not an address block");
    assertHasError(e, lineOf(yaml, "::1/129"), "middlewares.office.deny[0]", "not an address block");
    assertHasError(e, lineOf(yaml, "10.0.0.0/33"), "middlewares.office.trusted_proxies[0]", "not an address block");
    assertHasError(e, lineOf(yaml, "min_bytes"), "middlewares.gzip.min_bytes", "");
    assertHasError(e, lineOf(yaml, "\"json\""), "middlewares.gzip.types[0]", "not a media type");
    assertHasError(e, lineOf(yaml, "level: 9"), "middlewares.gzip.level", "unknown key");
    assertHasError(e, lineOf(yaml, "percent: 101"), "api_gateway.routes.api.mirror.percent", "");
    assertHasError(e, lineOf(yaml, "upstream: shadw"), "api_gateway.routes.api.mirror.upstream",
        "unknown upstream \"shadw\"; did you mean \"shadow\"?");
    assertHasError(e, lineOf(yaml, "mirror: {percent: 5}"), "api_gateway.routes.other.mirror.upstream",
        "missing required key");
    assertThat(e.getMessage()).contains("middlewares.empty: ip_filter with neither allow nor deny");
  }

  @Test
  void mirrorRecordChecksItsRange() {
    assertThat(Optional.of(new MirrorConfig("a", 0))).isPresent();
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new MirrorConfig("a", 101));
    assertThat(new MiddlewareConfig.IpFilter("f", List.of(), List.of(), List.of()).type()).isEqualTo("ip_filter");
  }
}
