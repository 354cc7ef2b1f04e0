package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic certificates (SPEC §14) against a real ACME CA, Pebble, on loopback: issuance for two
 * domains served by SNI, both challenges, the swap under an open connection, restart reuse, renewal of
 * short-lived certificates, a CA that is down, and the plain listener's redirect.
 */
@ExtendWith(VertxExtension.class)
class AcmeTest {

  private static final String A = "a.locci.test";
  private static final String B = "b.locci.test";

  @TempDir
  Path dir;

  private Vertx vertx;
  private HttpClient client;
  private EchoUpstream upstream;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    upstream = EchoUpstream.start(vertx, "app").await();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
    upstream.close().await();
  }

  @AfterAll
  static void killPebble() {
    Pebble.stopAll();
  }

  private String config(String directory, Path ca, String challenge, int tlsPort, Integer httpPort, boolean redirect) {
    return config(directory, ca, challenge, tlsPort, httpPort, redirect, A + ", " + B);
  }

  private String config(String directory, Path ca, String challenge, int tlsPort, Integer httpPort, boolean redirect,
      String domains) {
    return """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:%d"
          workers: 2
          %s
          https_redirect: %s
          tls:
            acme:
              email: ops@locci.test
              domains: [%s]
              directory_url: "%s"
              storage_path: "%s"
              challenge: %s
              ca_path: "%s"
              renew_before_days: 30
        upstreams:
          app: {servers: ["%s"]}
        load_balancer: {upstream: app}
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(tlsPort, httpPort == null ? "" : "http_bind_address: \"127.0.0.1:" + httpPort + "\"", redirect,
        domains, directory, dir.resolve("acme"), challenge, ca, upstream.address(), RunningProxy.KEY);
  }

  /** Waits (on a Vert.x timer) until every domain's status passes {@code ok}; returns that status. */
  private JsonArray awaitStatus(RunningProxy proxy, Duration max, Predicate<JsonObject> ok) {
    return awaitStatus(proxy, max, 2, ok);
  }

  /** The same, once the status lists {@code domains} domains (a reload reaches the store a moment later). */
  private JsonArray awaitStatus(RunningProxy proxy, Duration max, int domains, Predicate<JsonObject> ok) {
    AtomicReference<JsonArray> last = new AtomicReference<>();
    try {
      Eventually.until(proxy.vertx(), max, "ACME status", () -> proxy
          .controlAsync(client, HttpMethod.GET, "/api/v1/status", null)
          .map(r -> {
            JsonArray acme = r.json().getJsonArray("acme");
            last.set(acme);
            return acme.size() == domains && acme.stream().map(JsonObject.class::cast).allMatch(ok);
          })).await();
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last: " + last.get(), e);
    }
    return last.get();
  }

  /**
   * The leaf served for {@code domain} once it passes {@code ok}: each proxy instance swaps a new
   * certificate set in on its own event loop, a moment after the store reported it.
   */
  private X509Certificate awaitServed(int port, String domain, Predicate<X509Certificate> ok) {
    AtomicReference<X509Certificate> last = new AtomicReference<>();
    Eventually.until(vertx, Duration.ofSeconds(30), "the certificate served for " + domain,
        () -> vertx.executeBlocking(() -> {
          last.set(TlsProbe.leaf(port, domain));
          return ok.test(last.get());
        })).await();
    return last.get();
  }

  private static Predicate<X509Certificate> issuedBy(X509Certificate intermediate) {
    return c -> c.getIssuerX500Principal().equals(intermediate.getSubjectX500Principal());
  }

  private static boolean valid(JsonObject d) {
    return "valid".equals(d.getString("state"));
  }

  @Test
  void http01IssuesForTwoDomainsServedBySniAndSwapsUnderAnOpenConnection() throws Exception {
    try (Pebble ca = Pebble.start(dir.resolve("pebble"), 0);
        RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"),
            config(ca.directoryUrl(), ca.caPath(), "http-01", Pebble.freePort(), ca.httpPort(), false))) {
      // A connection opened before the CA's certificate arrives: the temporary one, and it stays usable.
      TlsProbe early = TlsProbe.connect(proxy.port(), A);
      JsonArray status = awaitStatus(proxy, Duration.ofSeconds(60), AcmeTest::valid);

      X509Certificate intermediate = ca.intermediate();
      for (String domain : List.of(A, B)) {
        X509Certificate leaf = awaitServed(proxy.port(), domain, issuedBy(intermediate));
        assertThat(names(leaf)).as(domain).containsExactly(domain);
        leaf.verify(intermediate.getPublicKey());
      }
      assertThat(status.getJsonObject(0).getString("domain")).isEqualTo(A);
      assertThat(status.getJsonObject(0).getValue("last_error")).isNull();
      assertThat(Instant.parse(status.getJsonObject(0).getString("not_after"))).isAfter(Instant.now());

      assertThat(early.chain()[0].getSubjectX500Principal().getName()).contains(A);
      assertThat(early.chain()[0].getIssuerX500Principal().getName()).contains("temporary");
      assertThat(early.get(A, "/after-the-swap")).isEqualTo(200);
      early.close();
      try (TlsProbe fresh = TlsProbe.connect(proxy.port(), B)) {
        assertThat(fresh.get(B, "/")).isEqualTo(200);
      }

      Path storage = dir.resolve("acme");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(storage))).isEqualTo("rwx------");
      for (String file : List.of("certs/" + A + "/key.pem", "certs/" + A + "/chain.pem", "certs/" + B + "/key.pem")) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(storage.resolve(file))))
            .as(file).isEqualTo("rw-------");
      }
      String metrics = proxy.control(client, HttpMethod.GET, "/metrics", null).body().toString();
      assertThat(metrics).containsPattern("locci_acme_certificate_expiry_seconds\\{domain=\"" + A.replace(".", "\\.")
          + "\"} [0-9.E]+");
      PrometheusText.checkStrictly(metrics);
      if (PrometheusText.promtool().isPresent()) {
        PrometheusText.checkWithPromtool(PrometheusText.promtool().get(), metrics);
      }
    }
  }

  @Test
  void tlsAlpn01IsAnsweredOnTheTlsListener() throws Exception {
    try (Pebble ca = Pebble.start(dir.resolve("pebble"), 0)) {
      try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"),
          config(ca.directoryUrl(), ca.caPath(), "tls-alpn-01", ca.tlsPort(), null, false))) {
        awaitStatus(proxy, Duration.ofSeconds(60), AcmeTest::valid);
        X509Certificate intermediate = ca.intermediate();
        for (String domain : List.of(A, B)) {
          X509Certificate leaf = awaitServed(proxy.port(), domain, issuedBy(intermediate));
          assertThat(names(leaf)).containsExactly(domain);
          leaf.verify(intermediate.getPublicKey());
        }
      }
    }
  }

  @Test
  void acmeCertificatesAreServedWithTheConfiguredProtocolsAndCiphersOnly() throws Exception {
    try (Pebble ca = Pebble.start(dir.resolve("pebble"), 0);
        RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"),
            config(ca.directoryUrl(), ca.caPath(), "http-01", Pebble.freePort(), ca.httpPort(), false)
                .replace("  tls:\n", "  tls:\n    protocols: [TLSv1.2]\n"
                    + "    ciphers: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n"))) {
      awaitStatus(proxy, Duration.ofSeconds(60), AcmeTest::valid);
      X509Certificate intermediate = ca.intermediate();
      X509Certificate leaf = awaitServed(proxy.port(), A, issuedBy(intermediate));

      // The CA's certificate came in by a swap (updateSSLOptions): the listener's versions and suites stay.
      try (TlsProbe listed = TlsProbe.connect(proxy.port(), A, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")) {
        assertThat(listed.chain()[0]).isEqualTo(leaf);
      }
      assertThat(handshakes(proxy.port(), "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))
          .as("a suite not listed").isFalse();
      assertThat(handshakes(proxy.port(), "TLSv1.3", "TLS_AES_256_GCM_SHA384")).as("a version not listed").isFalse();
    }
  }

  private static boolean handshakes(int port, String protocol, String... suites) {
    try {
      TlsProbe.connect(port, A, protocol, suites).close();
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void aRestartReusesTheStoredCertificatesWithoutAskingTheCa() throws Exception {
    String yaml;
    X509Certificate before;
    byte[] chainBefore;
    try (Pebble ca = Pebble.start(dir.resolve("pebble"), 0)) {
      yaml = config(ca.directoryUrl(), ca.caPath(), "http-01", Pebble.freePort(), ca.httpPort(), false);
      try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), yaml)) {
        awaitStatus(proxy, Duration.ofSeconds(60), AcmeTest::valid);
        before = awaitServed(proxy.port(), A, issuedBy(ca.intermediate()));
      }
      chainBefore = Files.readAllBytes(dir.resolve("acme/certs/" + A + "/chain.pem"));
    }
    // The CA is gone: whatever the restarted proxy serves can only come from storage_path.
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), yaml)) {
      JsonArray status = awaitStatus(proxy, Duration.ofSeconds(10), AcmeTest::valid);
      assertThat(status.getJsonObject(0).getValue("last_error")).isNull();
      X509Certificate after = TlsProbe.leaf(proxy.port(), A);
      assertThat(after.getSerialNumber()).isEqualTo(before.getSerialNumber());
      assertThat(Files.readAllBytes(dir.resolve("acme/certs/" + A + "/chain.pem"))).isEqualTo(chainBefore);
    }
  }

  @Test
  void aReloadOrdersAnAddedDomainAndNeverReordersTheOthers() throws Exception {
    String c = "c.locci.test";
    try (Pebble ca = Pebble.start(dir.resolve("pebble"), 0)) {
      int tlsPort = Pebble.freePort();
      try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"),
          config(ca.directoryUrl(), ca.caPath(), "http-01", tlsPort, ca.httpPort(), false))) {
        awaitStatus(proxy, Duration.ofSeconds(60), AcmeTest::valid);
        X509Certificate a = awaitServed(proxy.port(), A, issuedBy(ca.intermediate()));
        byte[] stored = Files.readAllBytes(dir.resolve("acme/certs/" + A + "/chain.pem"));

        proxy.rewrite(config(ca.directoryUrl(), ca.caPath(), "http-01", tlsPort, ca.httpPort(), false,
            A + ", " + B + ", " + c).replace("renew_before_days: 30", "renew_before_days: 20"));
        HttpResult reload = proxy.control(client, HttpMethod.POST, "/api/v1/reload", null);
        assertThat(reload.status()).as(reload.toString()).isEqualTo(200);
        assertThat(reload.json().getJsonArray("restart_required")).isEmpty();

        awaitStatus(proxy, Duration.ofSeconds(60), 3, AcmeTest::valid);
        assertThat(names(awaitServed(proxy.port(), c, issuedBy(ca.intermediate())))).containsExactly(c);
        assertThat(TlsProbe.leaf(proxy.port(), A).getSerialNumber()).isEqualTo(a.getSerialNumber());
        assertThat(Files.readAllBytes(dir.resolve("acme/certs/" + A + "/chain.pem"))).isEqualTo(stored);
      }
    }
  }

  @Test
  void shortLivedCertificatesAreRenewedInTheBackground() throws Exception {
    // 15-second certificates: renewal at two thirds of the lifetime, since renew_before_days is longer.
    try (Pebble ca = Pebble.start(dir.resolve("pebble"), 15);
        RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"),
            config(ca.directoryUrl(), ca.caPath(), "http-01", Pebble.freePort(), ca.httpPort(), false))) {
      JsonArray first = awaitStatus(proxy, Duration.ofSeconds(60), AcmeTest::valid);
      String firstExpiry = first.getJsonObject(0).getString("not_after");
      X509Certificate before = awaitServed(proxy.port(), A, issuedBy(ca.intermediate()));
      awaitStatus(proxy, Duration.ofSeconds(60), d -> !d.getString("domain").equals(A)
          || valid(d) && !firstExpiry.equals(d.getString("not_after")));
      // Served by the running listener: a later certificate than the one served before, no restart.
      X509Certificate after = awaitServed(proxy.port(), A,
          c -> !c.getSerialNumber().equals(before.getSerialNumber()) && c.getNotAfter().after(before.getNotAfter()));
      assertThat(after.getIssuerX500Principal()).isEqualTo(before.getIssuerX500Principal());
    }
  }

  @Test
  void aCaThatIsDownLeavesTheTemporaryCertificateAndReportsTheError() throws Exception {
    int httpPort = Pebble.freePort();
    String nowhere = "https://127.0.0.1:" + Pebble.freePort() + "/dir";
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"),
        config(nowhere, writeAnyCa(), "http-01", Pebble.freePort(), httpPort, false))) {
      JsonArray status = awaitStatus(proxy, Duration.ofSeconds(30), d -> "failed".equals(d.getString("state")));
      assertThat(status.getJsonObject(0).getString("last_error")).isNotBlank();
      assertThat(status.getJsonObject(0).getValue("not_after")).isNull();
      // Plain routes work, and TLS too, with the temporary certificate.
      assertThat(HttpResult.get(client, httpPort, "/plain").status()).isEqualTo(200);
      try (TlsProbe tls = TlsProbe.connect(proxy.port(), A)) {
        assertThat(tls.chain()[0].getIssuerX500Principal().getName()).contains("temporary");
        assertThat(tls.get(A, "/tls")).isEqualTo(200);
      }
    }
  }

  @Test
  void thePlainListenerAnswersChallengesAndRedirectsTheRestWith308() throws Exception {
    int httpPort = Pebble.freePort();
    String nowhere = "https://127.0.0.1:" + Pebble.freePort() + "/dir";
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"),
        config(nowhere, writeAnyCa(), "http-01", Pebble.freePort(), httpPort, true))) {
      HttpResult redirect = HttpResult.send(client, new RequestOptions().setPort(httpPort).setHost("127.0.0.1")
          .setURI("/some/path?x=1&y=2").putHeader("Host", A + ":" + httpPort), null);
      assertThat(redirect.status()).isEqualTo(308);
      assertThat(redirect.header("Location")).isEqualTo("https://" + A + ":" + proxy.port() + "/some/path?x=1&y=2");
      HttpResult unknown = HttpResult.send(client, new RequestOptions().setPort(httpPort).setHost("127.0.0.1")
          .setURI("/.well-known/acme-challenge/no-such-token").putHeader("Host", A), null);
      assertThat(unknown.status()).isEqualTo(404);
      HttpResult post = HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.POST).setPort(httpPort)
          .setHost("127.0.0.1").setURI("/.well-known/acme-challenge/abc").putHeader("Host", A), null);
      assertThat(post.status()).isEqualTo(405);
    }
  }

  /** Some CA file for {@code ca_path} when no CA answers anyway. */
  @SuppressWarnings("removal") // SelfSignedCertificate: the simplest way to make a certificate at test time
  private Path writeAnyCa() throws Exception {
    Path ca = dir.resolve("any-ca.pem");
    Files.copy(new io.netty.handler.ssl.util.SelfSignedCertificate("localhost").certificate().toPath(), ca);
    return ca;
  }

  private static List<String> names(X509Certificate c) throws Exception {
    return c.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
  }
}
