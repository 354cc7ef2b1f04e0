package cloud.locci.proxy.core.config;

import java.security.NoSuchAlgorithmException;
import java.util.Set;
import javax.net.ssl.SSLContext;

/** What this JVM's TLS implementation (JSSE, which the listener uses) supports. */
final class TlsSupport {

  private static volatile Set<String> suites;

  private TlsSupport() {}

  /** Every cipher suite name the default {@link SSLContext} supports; read once. */
  static Set<String> cipherSuites() {
    Set<String> s = suites;
    if (s == null) {
      try {
        s = Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("this JVM has no default TLS context", e);
      }
      suites = s;
    }
    return s;
  }
}
