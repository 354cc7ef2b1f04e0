package cloud.locci.proxy.core.acme;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.config.AcmeConfig;
import cloud.locci.proxy.core.config.ServerConfig.ListenerTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.LinkedHashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates of one proxy instance's TLS listener: the {@code cert_path} pair, or with ACME the
 * current {@link CertificateSet} chosen by SNI, swapped in place ({@code HttpServer.updateSSLOptions})
 * whenever the certificate store publishes a new set. Connections already open keep the certificate
 * they shook hands with; new handshakes get the new one; nothing restarts.
 */
public final class ListenerCertificates {

  private static final Logger log = LoggerFactory.getLogger(ListenerCertificates.class);

  private final Vertx vertx;
  private final AcmeChallenges challenges;
  private HttpServer server;
  private ServerSSLOptions base;
  private long applied;
  private boolean fromStore;

  public ListenerCertificates(Vertx vertx) {
    this.vertx = vertx;
    this.challenges = AcmeChallenges.of(vertx);
  }

  /** Listens for new certificate sets; call from the verticle's start (the consumer runs on its loop). */
  public Future<Void> follow() {
    MessageConsumer<CertificateSet> c = vertx.eventBus().consumer(Addresses.CERTIFICATES_CHANGED, m -> swap(m.body()));
    return c.completion();
  }

  /**
   * Turns TLS on in {@code options} for {@code tls}: its protocols and ciphers, whichever certificates.
   * They live in the listener's SSL options, which {@link #swap} copies, so they outlive every swap.
   */
  public void configure(HttpServerOptions options, ListenerTls tls) {
    options.setSsl(true)
        // ALPN offers HTTP/2 and HTTP/1.1 to TLS clients; upstreams are always spoken to in HTTP/1.1.
        .setUseAlpn(true)
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(tls.protocols()));
    // Only these suites (default: forward-secret AEAD ones); JSSE's own list has static-RSA and CBC ones.
    tls.ciphers().forEach(options::addEnabledCipherSuite);
    fromStore = tls.acme().isPresent();
    if (!fromStore) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath().orElseThrow())
          .setKeyPath(tls.keyPath().orElseThrow()));
      return;
    }
    CertificateSet set = CurrentCertificates.of(vertx).get();
    if (set == null) {
      throw new IllegalStateException("server.tls.acme is set but the certificate store (AcmeVerticle) is not deployed");
    }
    applied = set.version();
    options.setKeyCertOptions(set.keyCertOptions(challenges));
    if (tls.acme().get().challenge() == AcmeConfig.Challenge.TLS_ALPN_01) {
      options.setSslEngineOptions(new AcmeTlsEngineOptions());
    }
  }

  /** {@code server} now listens with {@code options}: later sets are swapped into it. */
  public void listening(HttpServer server, HttpServerOptions options) {
    if (options.isSsl() && fromStore) {
      this.server = server;
      this.base = options.getSslOptions();
    }
  }

  private void swap(CertificateSet set) {
    if (server == null || set.version() <= applied) {
      return;
    }
    applied = set.version();
    // The listener's own SSL options (protocols, ciphers, ...) with only the certificates replaced.
    server.updateSSLOptions(base.copy().setKeyCertOptions(set.keyCertOptions(challenges)))
        .onFailure(err -> log.error("new certificates not installed on port {}: {}", server.actualPort(), err.toString()));
  }
}
