package cloud.locci.proxy.core.acme;

import cloud.locci.proxy.core.config.AcmeConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ACME CA as acme4j speaks to it: the account (created or found by its key on first use) and the
 * order of one domain's certificate through http-01 or tls-alpn-01. Every method blocks (acme4j's HTTP
 * calls and polling); called on the certificate store's worker thread only.
 */
final class AcmeClient {

  private static final Logger log = LoggerFactory.getLogger(AcmeClient.class);
  /** Each HTTP call to the CA; a CA that does not answer in time is a failure, retried with backoff. */
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);
  /** How long one challenge validation or one finalization may take before the attempt fails. */
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(3);

  private final AcmeConfig config;
  private final AcmeStorage storage;
  private final AcmeChallenges challenges;
  private Login login;

  AcmeClient(AcmeConfig config, AcmeStorage storage, AcmeChallenges challenges) {
    this.config = config;
    this.storage = storage;
    this.challenges = challenges;
  }

  /** Whether this client talks to the same CA with the same account as {@code other} would. */
  boolean sameAccount(AcmeConfig other) {
    return config.directoryUrl().equals(other.directoryUrl()) && config.caPath().equals(other.caPath())
        && config.email().equals(other.email()) && storage.root().equals(Path.of(other.storagePath()));
  }

  /** Orders, validates and downloads a new certificate for {@code domain}, with a new key. */
  TlsIdentity obtain(String domain, AcmeConfig.Challenge type) throws Exception {
    Order order = login().newOrder().domain(domain).create();
    for (Authorization auth : order.getAuthorizations()) {
      if (auth.getStatus() != Status.VALID) {
        authorize(domain, auth, type);
      }
    }
    if (order.waitUntilReady(STEP_TIMEOUT) != Status.READY) {
      throw new AcmeException("order for " + domain + " not ready: " + problem(order.getError().orElse(null), order.getStatus()));
    }
    KeyPair key = Keys.ec();
    order.execute(key);
    if (order.waitForCompletion(STEP_TIMEOUT) != Status.VALID) {
      throw new AcmeException("order for " + domain + " failed: " + problem(order.getError().orElse(null), order.getStatus()));
    }
    List<X509Certificate> chain = order.getCertificate().getCertificateChain();
    return new TlsIdentity(key.getPrivate(), chain);
  }

  private void authorize(String domain, Authorization auth, AcmeConfig.Challenge type) throws Exception {
    Challenge challenge;
    Runnable cleanUp;
    if (type == AcmeConfig.Challenge.HTTP_01) {
      Http01Challenge http = auth.findChallenge(Http01Challenge.class)
          .orElseThrow(() -> new AcmeException("the CA offers no http-01 challenge for " + domain));
      challenges.putHttp(http.getToken(), http.getAuthorization());
      challenge = http;
      cleanUp = () -> challenges.removeHttp(http.getToken());
    } else {
      TlsAlpn01Challenge alpn = auth.findChallenge(TlsAlpn01Challenge.class)
          .orElseThrow(() -> new AcmeException("the CA offers no tls-alpn-01 challenge for " + domain));
      KeyPair key = Keys.rsa();
      X509Certificate cert = alpn.createCertificate(key, auth.getIdentifier());
      challenges.putAlpn(domain, new TlsIdentity(key.getPrivate(), List.of(cert)));
      challenge = alpn;
      cleanUp = () -> challenges.removeAlpn(domain);
    }
    try {
      log.debug("asking the CA to validate {} for {}", challenge.getType(), domain);
      challenge.trigger();
      Status status = challenge.waitForCompletion(STEP_TIMEOUT);
      if (status != Status.VALID) {
        throw new AcmeException(challenge.getType() + " validation of " + domain + " failed: "
            + problem(challenge.getError().orElse(null), status));
      }
    } finally {
      cleanUp.run();
    }
  }

  private Login login() throws Exception {
    if (login == null) {
      Session session = new Session(URI.create(config.directoryUrl()), new Provider(trust()));
      session.networkSettings().setTimeout(HTTP_TIMEOUT);
      AccountBuilder account = new AccountBuilder().agreeToTermsOfService()
          .useKeyPair(storage.accountKey(config.directoryUrl()));
      config.email().ifPresent(account::addEmail);
      // With a known key the CA answers with the existing account: no new account per restart.
      login = account.createLogin(session);
      log.info("ACME account {} at {}", login.getAccountLocation(), config.directoryUrl());
    }
    return login;
  }

  /** The SSL context trusting {@code ca_path}; null for the JVM's default trust. */
  private SSLContext trust() throws Exception {
    if (config.caPath().isEmpty()) {
      return null;
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int i = 0;
    for (X509Certificate c : Pem.certificates(read(Path.of(config.caPath().get())))) {
      store.setCertificateEntry("ca-" + i++, c);
    }
    if (i == 0) {
      throw new AcmeException("ca_path " + config.caPath().get() + " holds no PEM certificate");
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static byte[] read(Path p) throws IOException {
    return Files.readAllBytes(p);
  }

  private static String problem(Problem p, Status status) {
    return p == null ? "status " + status : p.toString();
  }

  /** Any RFC 8555 CA by its directory URL, trusting {@code ca_path} when given. */
  private static final class Provider extends GenericAcmeProvider {
    private final SSLContext trust;

    Provider(SSLContext trust) {
      this.trust = trust;
    }

    @Override
    public HttpClient createHttpClient(NetworkSettings settings) {
      HttpClient.Builder b = HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NORMAL)
          .connectTimeout(settings.getTimeout())
          .proxy(settings.getProxySelector());
      if (trust != null) {
        b.sslContext(trust);
      }
      return b.build();
    }
  }
}
