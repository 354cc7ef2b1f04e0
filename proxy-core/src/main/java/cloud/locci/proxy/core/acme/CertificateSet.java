package cloud.locci.proxy.core.acme;

import io.vertx.core.net.KeyCertOptions;
import java.util.Map;

/**
 * What the TLS listener serves at one moment: one certificate per ACME domain that has one, and the
 * fallback for every other name (the {@code cert_path} pair, or a temporary self-signed certificate).
 * Immutable; the certificate store publishes a new one on
 * {@link cloud.locci.proxy.core.bus.Addresses#CERTIFICATES_CHANGED} after every change.
 */
public final class CertificateSet {

  private final long version;
  private final Map<String, TlsIdentity> byDomain;
  private final TlsIdentity fallback;
  private volatile KeyCertOptions options;

  public CertificateSet(long version, Map<String, TlsIdentity> byDomain, TlsIdentity fallback) {
    this.version = version;
    this.byDomain = Map.copyOf(byDomain);
    this.fallback = fallback;
  }

  public long version() {
    return version;
  }

  public Map<String, TlsIdentity> byDomain() {
    return byDomain;
  }

  public TlsIdentity fallback() {
    return fallback;
  }

  /**
   * The key-cert options serving this set, built once: every proxy instance passes the same object to
   * {@code updateSSLOptions}, so the shared listener rebuilds its SSL context once per set, not once per
   * instance (equal options are no update).
   */
  KeyCertOptions keyCertOptions(AcmeChallenges challenges) {
    KeyCertOptions o = options;
    if (o == null) {
      synchronized (this) {
        if (options == null) {
          options = KeyCertOptions.wrap(new SniKeyManager(this, challenges));
        }
        o = options;
      }
    }
    return o;
  }
}
