package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertHasError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.assertOnlyError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.gateway;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static cloud.locci.proxy.core.config.ConfigTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.MiddlewareConfig.RateKey;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateLimiting;
import io.vertx.core.net.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §15 "Configuration", "Control API" (bind rule), "TLS listener" and "Rate limiting": what validate refuses. */
class SecurityRulesConfigTest {

  private static final String STRONG = "0123456789abcdef0123456789abcdef";

  @TempDir
  Path dir;

  private static String control(String body) {
    return gateway("api_gateway: {routes: {}}\ncontrol_api:\n" + body);
  }

  private static String auth(String secret) {
    return gateway("""
        api_gateway:
          routes: {}
          middlewares:
            authentication:
              jwt_secret: "%s"
        """.formatted(secret));
  }

  @Test
  void apiKeyShorterThan32BytesIsRefused() {
    String yaml = control("  api_key: \"x\"\n");
    assertOnlyError(failure(yaml), lineOf(yaml, "api_key"), "control_api.api_key", "too short: 1 bytes, at least 32");
    String almost = control("  api_key: \"" + STRONG.substring(1) + "\"\n");
    assertOnlyError(failure(almost), lineOf(almost, "api_key"), "control_api.api_key", "too short: 31 bytes");
  }

  @Test
  void aStrongApiKeyIsAccepted() throws Exception {
    assertThat(parse(control("  api_key: \"" + STRONG + "\"\n")).controlApi().apiKey()).contains(STRONG);
  }

  @Test
  void shippedSecretsAreRefusedWhateverTheirLength() {
    for (String shipped : List.of("change-me", "CHANGE-ME-generate-with-openssl-rand-hex-32",
        "a-long-random-secret-of-32+-bytes", "REPLACE-with-the-output-of-openssl-rand-hex-32")) {
      String yaml = auth(shipped);
      assertOnlyError(failure(yaml), lineOf(yaml, "jwt_secret"), "api_gateway.middlewares.authentication.jwt_secret",
          "published in the project's examples");
      String key = control("  api_key: \"" + shipped + "\"\n");
      assertOnlyError(failure(key), lineOf(key, "api_key"), "control_api.api_key", "published in the project's examples");
    }
  }

  @Test
  void jwtSecretShorterThan32BytesIsRefused() {
    String yaml = auth("jwt-very-secret");
    assertOnlyError(failure(yaml), lineOf(yaml, "jwt_secret"), "api_gateway.middlewares.authentication.jwt_secret",
        "too short: 15 bytes");
  }

  @Test
  void withoutApiKeyTheControlApiMayOnlyListenOnLoopback() throws Exception {
    for (String host : List.of("0.0.0.0", "10.1.2.3", "[::]", "proxy.example.com")) {
      String yaml = control("  bind_address: \"" + host + ":8485\"\n");
      assertOnlyError(failure(yaml), lineOf(yaml, "bind_address"), "control_api.bind_address",
          "without control_api.api_key the control API may only listen on loopback");
    }
    for (String host : List.of("127.0.0.1", "127.0.0.2", "[::1]", "localhost")) {
      assertThat(parse(control("  bind_address: \"" + host + ":8485\"\n")).controlApi().bindAddress().host())
          .isNotEmpty();
    }
    assertThat(parse(control("  bind_address: \"0.0.0.0:8485\"\n  api_key: \"" + STRONG + "\"\n")).controlApi()
        .enabled()).isTrue();
    assertThat(parse(control("  enabled: false\n  bind_address: \"0.0.0.0:8485\"\n")).controlApi().enabled()).isFalse();
  }

  @Test
  void allowedOriginsAndHostsMustBeOriginsAndHostNames() throws Exception {
    String yaml = control("""
          allowed_origins: ["https://admin.example.com", "admin.example.com", "*"]
          allowed_hosts: ["proxy.internal", "10.0.0.5", "proxy.internal:8485", "*.example.com"]
        """);
    var e = failure(yaml);
    assertThat(e.errors()).as(e.getMessage()).extracting(ConfigError::path).containsExactlyInAnyOrder(
        "control_api.allowed_origins[1]", "control_api.allowed_origins[2]", "control_api.allowed_hosts[2]",
        "control_api.allowed_hosts[3]");
    ControlApiConfig ok = parse(control("""
          allowed_origins: ["https://admin.example.com"]
          allowed_hosts: ["proxy.internal", "10.0.0.5", "[fd00::5]"]
        """)).controlApi();
    assertThat(ok.allowedOrigins()).containsExactly("https://admin.example.com");
    assertThat(ok.allowedHosts()).containsExactly("proxy.internal", "10.0.0.5", "[fd00::5]");
  }

  @Test
  void corsWildcardOrNullWithCredentialsIsRefused() throws Exception {
    for (String origin : List.of("\"*\"", "\"null\"")) {
      String yaml = gateway("""
          api_gateway:
            routes: {}
            middlewares:
              cors:
                allowed_origins: [%s]
                allow_credentials: true
          """.formatted(origin));
      assertOnlyError(failure(yaml), lineOf(yaml, "allowed_origins"),
          "api_gateway.middlewares.cors.allowed_origins[0]", "with allow_credentials: true");
    }
    assertThat(parse(gateway("""
        api_gateway:
          routes: {}
          middlewares:
            cors: {allowed_origins: ["*"]}
        """)).allMiddlewares()).containsKey("cors");
  }

  @Test
  void rateLimitKeys() throws Exception {
    String yaml = gateway("""
        middlewares:
          by_ip: {type: rate_limiting, requests_per_minute: 60}
          by_header: {type: rate_limiting, requests_per_minute: 60, key: "header:X-Tenant"}
          by_old_header: {type: rate_limiting, requests_per_minute: 60, key_header: X-Tenant}
          by_sub: {type: rate_limiting, requests_per_minute: 60, key: jwt_sub}
          auth: {type: authentication, jwt_secret: "%s"}
        api_gateway:
          routes:
            r: {path_pattern: "^/", upstream: web_service, middlewares: [auth, by_sub, by_ip, by_header, by_old_header]}
        """.formatted(STRONG));
    ProxyConfig c = parse(yaml);
    assertThat(((RateLimiting) c.allMiddlewares().get("by_ip")).key()).isEqualTo(new RateKey.ClientIp());
    assertThat(((RateLimiting) c.allMiddlewares().get("by_header")).key()).isEqualTo(new RateKey.Header("X-Tenant"));
    assertThat(((RateLimiting) c.allMiddlewares().get("by_old_header")).key()).isEqualTo(new RateKey.Header("X-Tenant"));
    assertThat(((RateLimiting) c.allMiddlewares().get("by_sub")).key()).isEqualTo(new RateKey.JwtSub());
  }

  @Test
  void badRateLimitKeysAreRefused() {
    String yaml = gateway("""
        middlewares:
          a: {type: rate_limiting, requests_per_minute: 60, key: "cookie:x"}
          b: {type: rate_limiting, requests_per_minute: 60, key: client_ip, key_header: X-Tenant}
          c: {type: rate_limiting, requests_per_minute: 60, key: "header:Bad Header"}
        api_gateway: {routes: {}}
        """);
    var e = failure(yaml);
    assertHasError(e, lineOf(yaml, "cookie:x"), "middlewares.a.key", "expected client_ip, jwt_sub or header:NAME");
    assertHasError(e, lineOf(yaml, "key_header: X-Tenant"), "middlewares.b.key_header", "not both");
    assertHasError(e, lineOf(yaml, "Bad Header"), "middlewares.c.key", "unknown key");
  }

  @Test
  void jwtSubNeedsAnAuthenticationBeforeIt() {
    String yaml = gateway("""
        middlewares:
          by_sub: {type: rate_limiting, requests_per_minute: 60, key: jwt_sub}
          auth: {type: authentication, jwt_secret: "%s"}
        api_gateway:
          routes:
            r: {path_pattern: "^/", upstream: web_service, middlewares: [by_sub, auth]}
        """.formatted(STRONG));
    assertOnlyError(failure(yaml), lineOf(yaml, "middlewares: [by_sub, auth]"), "api_gateway.routes.r.middlewares[0]",
        "an authentication middleware must come before it");
  }

  @Test
  void jwtClaimsKeys() throws Exception {
    ProxyConfig c = parse(gateway("""
        api_gateway:
          routes: {}
          middlewares:
            authentication:
              jwt_secret: "%s"
              audience: api
              issuer: https://login.example.com
              require_exp: false
        """.formatted(STRONG)));
    MiddlewareConfig.Authentication a = (MiddlewareConfig.Authentication) c.allMiddlewares().get("authentication");
    assertThat(a.audience()).contains("api");
    assertThat(a.issuer()).contains("https://login.example.com");
    assertThat(a.requireExp()).isFalse();
  }

  @SuppressWarnings("removal")
  private String tls(String extra) throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    return gateway("api_gateway: {routes: {}}\nserver:\n  tls:\n    cert_path: \"" + cert.certificatePath()
        + "\"\n    key_path: \"" + cert.privateKeyPath() + "\"\n" + extra);
  }

  @Test
  void tlsProtocolsAndCiphersDefaultToModernForwardSecretOnes() throws Exception {
    ServerConfig.ListenerTls t = parse(tls("")).server().tls().orElseThrow();
    assertThat(t.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(t.ciphers()).isNotEmpty().allSatisfy(c -> assertThat(c).matches("TLS_(AES|CHACHA20)_.*|TLS_ECDHE_.*_(GCM|POLY1305)_.*"));
  }

  @Test
  void oldProtocolsUnknownCiphersAndUnusableListsAreRefused() throws Exception {
    String yaml = tls("""
            protocols: [TLSv1.2, TLSv1.1]
            ciphers: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_MADE_UP_SUITE]
        """);
    var e = failure(yaml);
    assertHasError(e, lineOf(yaml, "TLSv1.1"), "server.tls.protocols[1]", "unknown or unsafe protocol \"TLSv1.1\"");
    assertHasError(e, lineOf(yaml, "TLS_MADE_UP_SUITE"), "server.tls.ciphers[1]", "not supported by this JVM");
    String only12 = tls("""
            protocols: [TLSv1.3]
            ciphers: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
        """);
    assertOnlyError(failure(only12), lineOf(only12, "ciphers:"), "server.tls.ciphers", "no TLS 1.3 suite");
  }

  @Test
  void aTlsKeyReadableByOthersIsAWarningNotAnError() throws Exception {
    String yaml = tls("");
    ProxyConfig c = parse(yaml);
    Path key = Path.of(c.server().tls().orElseThrow().keyPath());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(ConfigWarnings.of(c)).singleElement().satisfies(w -> assertThat(w)
        .startsWith("server.tls.key_path:").contains("readable by group and others"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    assertThat(ConfigWarnings.of(c)).isEmpty();
  }
}
