package cloud.locci.proxy.core.acme;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A private key and the certificate chain it serves, leaf first.
 *
 * @param key the leaf's private key
 * @param chain the leaf and its intermediates, never empty
 */
public record TlsIdentity(PrivateKey key, List<X509Certificate> chain) {

  public TlsIdentity {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("empty certificate chain");
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  X509Certificate[] chainArray() {
    return chain.toArray(new X509Certificate[0]);
  }
}
