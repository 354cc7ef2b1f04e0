package cloud.locci.proxy.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.shredzone.acme4j.util.CSRBuilder;
import org.shredzone.acme4j.util.CertificateUtils;
import cloud.locci.proxy.core.acme.Keys;

/**
 * Pebble, Let's Encrypt's ACME test server (Debian package {@code pebble}), with
 * {@code pebble-challtestsrv} as its DNS so that every name resolves to 127.0.0.1: a real CA on loopback
 * that validates http-01 on {@link #httpPort()} and tls-alpn-01 on {@link #tlsPort()}, which the proxy
 * under test must listen on. Pebble's HTTPS certificate is made here (the package does not ship its
 * test one) and its CA is {@link #caPath()}, for the proxy's {@code ca_path}.
 *
 * <p>Every process started is remembered in {@link #STARTED} so a test class can kill leftovers in
 * {@code @AfterAll} even when a test failed half-way.
 */
final class Pebble implements AutoCloseable {

  static final List<Process> STARTED = new CopyOnWriteArrayList<>();

  private final Path dir;
  private final int acmePort;
  private final int managementPort;
  private final int httpPort;
  private final int tlsPort;
  private final Process dns;
  private final Process pebble;
  private final HttpClient client;

  private Pebble(Path dir, int acmePort, int managementPort, int httpPort, int tlsPort, Process dns, Process pebble,
      HttpClient client) {
    this.dir = dir;
    this.acmePort = acmePort;
    this.managementPort = managementPort;
    this.httpPort = httpPort;
    this.tlsPort = tlsPort;
    this.dns = dns;
    this.pebble = pebble;
    this.client = client;
  }

  /** Skips the calling test, saying why, when Pebble is not installed. */
  static void assumeInstalled() {
    Assumptions.assumeTrue(onPath("pebble") && onPath("pebble-challtestsrv"),
        "pebble is not installed (Debian: apt-get install -y pebble); the ACME tests against it are skipped");
  }

  /**
   * Starts a fresh CA in {@code dir}; its certificates live {@code validitySecs} (0: Pebble's default,
   * five years).
   */
  static Pebble start(Path dir, int validitySecs) throws Exception {
    assumeInstalled();
    Files.createDirectories(dir);
    int acme = freePort();
    int management = freePort();
    int http = freePort();
    int tls = freePort();
    int dnsPort = freePort();
    int dnsManagement = freePort();
    writeTlsCertificate(dir);
    String config = """
        {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
          "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
          "ocspResponderURL": "", "externalAccountBindingRequired": false%s}}
        """.formatted(acme, management, dir.resolve("pebble-cert.pem"), dir.resolve("pebble-key.pem"), http, tls,
        validitySecs > 0 ? ", \"certificateValidityPeriod\": " + validitySecs : "");
    Files.writeString(dir.resolve("pebble.json"), config);
    Process dns = spawn(dir, "challtestsrv.log", Map.of(), "pebble-challtestsrv",
        "-dns01", "127.0.0.1:" + dnsPort, "-http01", "", "-https01", "", "-tlsalpn01", "",
        "-management", "127.0.0.1:" + dnsManagement, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "");
    Process pebble = spawn(dir, "pebble.log",
        Map.of("PEBBLE_VA_NOSLEEP", "1", "PEBBLE_WFE_NONCEREJECT", "0", "PEBBLE_AUTHZREUSE", "0"),
        "pebble", "-config", dir.resolve("pebble.json").toString(), "-dnsserver", "127.0.0.1:" + dnsPort);
    HttpClient client = HttpClient.newBuilder().sslContext(trusting(dir.resolve("ca.pem")))
        .connectTimeout(Duration.ofSeconds(2)).build();
    Pebble p = new Pebble(dir, acme, management, http, tls, dns, pebble, client);
    p.awaitUp();
    return p;
  }

  String directoryUrl() {
    return "https://127.0.0.1:" + acmePort + "/dir";
  }

  Path caPath() {
    return dir.resolve("ca.pem");
  }

  /** The port Pebble sends http-01 validations to: the proxy's {@code server.http_bind_address}. */
  int httpPort() {
    return httpPort;
  }

  /** The port Pebble sends tls-alpn-01 validations to: the proxy's {@code server.bind_address}. */
  int tlsPort() {
    return tlsPort;
  }

  /** Pebble's current intermediate certificate, which signs every certificate it issues. */
  X509Certificate intermediate() throws Exception {
    URI uri = URI.create("https://127.0.0.1:" + managementPort + "/intermediates/0");
    HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
    return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(r.body()));
  }

  /** Stops both processes and waits for them. */
  @Override
  public void close() {
    stop(pebble);
    stop(dns);
  }

  static void stop(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    STARTED.remove(p);
  }

  /** Kills whatever is left (for {@code @AfterAll}). */
  static void stopAll() {
    new ArrayList<>(STARTED).forEach(Pebble::stop);
  }

  private void awaitUp() throws Exception {
    Instant deadline = Instant.now().plusSeconds(20);
    while (true) {
      try {
        if (client.send(HttpRequest.newBuilder(URI.create(directoryUrl())).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      if (!pebble.isAlive() || Instant.now().isAfter(deadline)) {
        close();
        throw new IllegalStateException("pebble did not start: " + Files.readString(dir.resolve("pebble.log")));
      }
      TimeUnit.MILLISECONDS.sleep(50); // polling a child process's port; no event to wait on
    }
  }

  private static Process spawn(Path dir, String log, Map<String, String> env, String... command) throws IOException {
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(log).toFile());
    b.environment().putAll(env);
    Process p = b.start();
    STARTED.add(p);
    return p;
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A CA ({@code ca.pem}) and, signed by it, Pebble's HTTPS certificate for 127.0.0.1 and localhost. */
  private static void writeTlsCertificate(Path dir) throws Exception {
    Keys.installProvider();
    Instant now = Instant.now();
    KeyPair caKey = Keys.rsa();
    X509Certificate ca = CertificateUtils.createTestRootCertificate("CN=Locci test CA for Pebble",
        now.minusSeconds(3600), now.plus(Duration.ofDays(1)), caKey);
    KeyPair key = Keys.ec();
    CSRBuilder csr = new CSRBuilder();
    csr.addDomain("localhost");
    csr.addIP(java.net.InetAddress.getByName("127.0.0.1"));
    csr.sign(key);
    X509Certificate leaf = CertificateUtils.createTestCertificate(csr.getCSR(), now.minusSeconds(3600),
        now.plus(Duration.ofDays(1)), ca, caKey.getPrivate());
    Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
    Files.writeString(dir.resolve("pebble-cert.pem"), pem("CERTIFICATE", leaf.getEncoded()));
    Files.writeString(dir.resolve("pebble-key.pem"), pem("PRIVATE KEY", key.getPrivate().getEncoded()));
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (var in = Files.newInputStream(caPem)) {
      store.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
