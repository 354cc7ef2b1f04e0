package cloud.locci.proxy.core.acme;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/** New key pairs, and the JCA provider acme4j's certificate and CSR builders ask for by name. */
public final class Keys {

  private Keys() {}

  /**
   * Registers BouncyCastle ("BC") once, at the lowest priority: acme4j signs CSRs and challenge
   * certificates through it by name, while everything else (TLS included) keeps the JDK's providers,
   * which come first.
   */
  public static synchronized void installProvider() {
    if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
      Security.addProvider(new BouncyCastleProvider());
    }
  }

  /**
   * An RSA 2048 key pair from the JDK, for certificates acme4j's {@code CertificateUtils} signs (it signs
   * with SHA256withRSA only): the tls-alpn-01 challenge certificate and the temporary certificate's issuer.
   */
  public static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA unavailable in this JDK", e);
    }
  }

  /** An EC P-256 key pair from the JDK: what Let's Encrypt issues fastest and every client accepts. */
  public static KeyPair ec() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 unavailable in this JDK", e);
    }
  }
}
