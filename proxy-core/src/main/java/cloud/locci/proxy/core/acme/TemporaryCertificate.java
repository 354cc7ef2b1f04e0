package cloud.locci.proxy.core.acme;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.shredzone.acme4j.util.CSRBuilder;
import org.shredzone.acme4j.util.CertificateUtils;

/**
 * The self-signed certificate served until the CA's arrive, naming the ACME domains so that a client
 * told to skip verification ({@code curl -k}) still sees which names it is for. No client trusts it:
 * it only lets TLS (and so tls-alpn-01, and plain routes on the same port) work from the first second.
 */
final class TemporaryCertificate {

  private static final Duration VALIDITY = Duration.ofDays(7);

  private TemporaryCertificate() {}

  static TlsIdentity create(List<String> domains) throws Exception {
    Instant now = Instant.now();
    KeyPair issuerKey = Keys.rsa();
    X509Certificate issuer = CertificateUtils.createTestRootCertificate("CN=Locci Proxy temporary certificate",
        now.minus(Duration.ofHours(1)), now.plus(VALIDITY), issuerKey);
    KeyPair key = Keys.ec();
    CSRBuilder csr = new CSRBuilder();
    csr.addDomains(domains);
    csr.setCommonName(domains.get(0));
    csr.sign(key);
    X509Certificate leaf = CertificateUtils.createTestCertificate(csr.getCSR(), now.minus(Duration.ofHours(1)),
        now.plus(VALIDITY), issuer, issuerKey.getPrivate());
    return new TlsIdentity(key.getPrivate(), List.of(leaf, issuer));
  }
}
