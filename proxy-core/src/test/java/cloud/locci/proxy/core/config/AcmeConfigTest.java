package cloud.locci.proxy.core.config;

import static cloud.locci.proxy.core.config.ConfigTestSupport.assertHasError;
import static cloud.locci.proxy.core.config.ConfigTestSupport.failure;
import static cloud.locci.proxy.core.config.ConfigTestSupport.lineOf;
import static cloud.locci.proxy.core.config.ConfigTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ServerConfig.ListenerTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.tls.acme}, {@code server.http_bind_address} and {@code server.https_redirect}: binding and errors. */
class AcmeConfigTest {

  @TempDir
  Path dir;

  private static String withServer(String server) {
    return """
        mode: load_balancer
        server:
        %s
        upstreams:
          web: {servers: ["10.0.0.1:3000"]}
        load_balancer: {upstream: web}
        """.formatted(server.indent(2).stripTrailing());
  }

  @Test
  void defaultsAndTheKeysBind() throws Exception {
    ProxyConfig c = parse(withServer("""
        bind_address: "0.0.0.0:443"
        http_bind_address: "0.0.0.0:80"
        https_redirect: true
        tls:
          acme:
            domains: [Example.COM, www.example.com]
        """));

    ServerConfig s = c.server();
    assertThat(s.httpBindAddress()).contains(new ServerAddress("0.0.0.0", 80));
    assertThat(s.httpsRedirect()).isTrue();
    ListenerTls tls = s.tls().orElseThrow();
    assertThat(tls.certPath()).isEmpty();
    assertThat(tls.acme()).contains(new AcmeConfig(Optional.empty(), List.of("example.com", "www.example.com"),
        AcmeConfig.DEFAULT_DIRECTORY_URL, "./acme", AcmeConfig.Challenge.HTTP_01, Optional.empty(), 30));
  }

  @Test
  void everyKeyBinds() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
    ProxyConfig c = parse(withServer("""
        tls:
          acme:
            email: ops@example.com
            domains: [a.example.com]
            directory_url: https://acme-staging-v02.api.letsencrypt.org/directory
            storage_path: /var/lib/locci/acme
            challenge: tls-alpn-01
            ca_path: "CA"
            renew_before_days: 20
        """.replace("CA", ca.toString())));

    assertThat(c.server().tls().orElseThrow().acme()).contains(new AcmeConfig(Optional.of("ops@example.com"),
        List.of("a.example.com"), "https://acme-staging-v02.api.letsencrypt.org/directory", "/var/lib/locci/acme",
        AcmeConfig.Challenge.TLS_ALPN_01, Optional.of(ca.toString()), 20));
    assertThat(c.server().httpBindAddress()).isEmpty();
  }

  @Test
  void badValuesAreEachReportedWithTheirLine() {
    String yaml = withServer("""
        tls:
          acme:
            email: not-an-address
            domains: ["*.example.com", localhost, "10.0.0.1", a.example.com, a.example.com]
            directory_url: http://ca.example.com/directory
            challenge: dns-01
            renew_before_days: 400
        """);

    ConfigException e = failure(yaml);

    assertHasError(e, lineOf(yaml, "email:"), "server.tls.acme.email", "is not an e-mail address");
    int domains = lineOf(yaml, "domains:");
    assertHasError(e, domains, "server.tls.acme.domains[0]", "needs the dns-01 challenge, which is not supported");
    assertHasError(e, domains, "server.tls.acme.domains[1]", "not a fully qualified domain name");
    assertHasError(e, domains, "server.tls.acme.domains[2]", "is an IP address");
    assertHasError(e, domains, "server.tls.acme.domains[1]", "duplicate domain a.example.com");
    assertHasError(e, lineOf(yaml, "directory_url:"), "server.tls.acme.directory_url", "is not an https:// URL");
    assertHasError(e, lineOf(yaml, "challenge:"), "server.tls.acme.challenge", "unknown challenge \"dns-01\"");
    assertHasError(e, lineOf(yaml, "renew_before_days:"), "server.tls.acme.renew_before_days", "365");
  }

  @Test
  void missingDomainsAndUnknownKeysAreErrors() {
    String yaml = withServer("""
        http_bind_address: "0.0.0.0:80"
        tls:
          acme:
            emial: ops@example.com
        """);

    ConfigException e = failure(yaml);

    assertHasError(e, lineOf(yaml, "acme:"), "server.tls.acme.domains", "missing");
    assertHasError(e, lineOf(yaml, "emial"), "server.tls.acme.emial", "did you mean \"email\"");
  }

  @Test
  void http01NeedsThePlainListenerAndTheRedirectNeedsBoth() {
    String yaml = withServer("""
        https_redirect: true
        tls:
          acme:
            domains: [a.example.com]
        """);

    ConfigException e = failure(yaml);

    assertHasError(e, lineOf(yaml, "acme:"), "server.tls.acme", "needs server.http_bind_address");
    assertHasError(e, lineOf(yaml, "https_redirect"), "server.https_redirect", "needs server.http_bind_address");
  }

  @Test
  void tlsAlpn01NeedsTls13OnTheListener() {
    String yaml = withServer("""
        tls:
          protocols: [TLSv1.2]
          acme:
            domains: [a.example.com]
            challenge: tls-alpn-01
        """);

    assertHasError(failure(yaml), lineOf(yaml, "challenge"), "server.tls.acme.challenge", "needs TLSv1.3");
  }

  @Test
  void theRedirectNeedsTlsAndThePlainListenerItsOwnPort() {
    String yaml = withServer("""
        bind_address: "0.0.0.0:8080"
        http_bind_address: "0.0.0.0:8080"
        https_redirect: true
        """);

    ConfigException e = failure(yaml);

    assertHasError(e, lineOf(yaml, "https_redirect"), "server.https_redirect", "needs server.tls");
    assertHasError(e, lineOf(yaml, "http_bind_address"), "server.http_bind_address", "same port as server.bind_address");
  }

  @Test
  void tlsNeedsFilesOrAcmeAndMissingFilesAreNamed() {
    String half = withServer("""
        tls:
          cert_path: /nonexistent/cert.pem
          acme:
            domains: [a.example.com]
            challenge: tls-alpn-01
            ca_path: /nonexistent/ca.pem
        """);
    assertHasError(failure(half), lineOf(half, "tls:"), "server.tls.key_path", "missing");

    String missingCa = withServer("""
        tls:
          acme:
            domains: [a.example.com]
            challenge: tls-alpn-01
            ca_path: /nonexistent/ca.pem
        """);
    assertHasError(failure(missingCa), lineOf(missingCa, "ca_path"), "server.tls.acme.ca_path", "does not exist");

    String empty = withServer("""
        tls: {}
        """);
    assertHasError(failure(empty), lineOf(empty, "tls:"), "server.tls.cert_path", "(or an acme section)");
  }

  @Test
  void aStoragePathThatIsAFileIsAnError() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    String yaml = withServer("""
        tls:
          acme:
            domains: [a.example.com]
            challenge: tls-alpn-01
            storage_path: "FILE"
        """.replace("FILE", file.toString()));

    assertHasError(failure(yaml), lineOf(yaml, "storage_path"), "server.tls.acme.storage_path", "is not a directory");
  }
}
