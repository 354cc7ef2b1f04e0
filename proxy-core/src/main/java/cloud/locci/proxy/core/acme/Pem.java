package cloud.locci.proxy.core.acme;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;

/** PEM text of keys and certificates, in and out. Blocking work only in the sense of CPU: no I/O. */
final class Pem {

  private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
  private static final String[] KEY_TYPES = {"EC", "RSA", "RSASSA-PSS", "EdDSA", "Ed25519"};

  private Pem() {}

  static String privateKey(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded());
  }

  static String publicKey(PublicKey key) {
    return block("PUBLIC KEY", key.getEncoded());
  }

  /** A key pair written by {@link #privateKey} followed by {@link #publicKey} (the ACME account key). */
  static KeyPair keyPair(String pem) throws GeneralSecurityException {
    byte[] priv = der(pem, "PRIVATE KEY");
    byte[] pub = der(pem, "PUBLIC KEY");
    KeyFactory ec = KeyFactory.getInstance("EC");
    return new KeyPair(ec.generatePublic(new X509EncodedKeySpec(pub)), ec.generatePrivate(new PKCS8EncodedKeySpec(priv)));
  }

  private static byte[] der(String pem, String type) throws GeneralSecurityException {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < from) {
      throw new GeneralSecurityException("no " + type + " block");
    }
    return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
  }

  static String certificates(List<X509Certificate> chain) throws GeneralSecurityException {
    StringBuilder out = new StringBuilder();
    for (X509Certificate c : chain) {
      out.append(block("CERTIFICATE", c.getEncoded()));
    }
    return out.toString();
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + BASE64.encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  /**
   * The key and chain of a PEM pair, read with Vert.x's own PEM reader (PKCS#8, PKCS#1 RSA and SEC1 EC
   * keys: whatever {@code server.tls.key_path} accepts). Fails when the key does not belong to the leaf.
   */
  static TlsIdentity identity(Vertx vertx, Buffer certPem, Buffer keyPem) throws Exception {
    KeyManagerFactory kmf = new PemKeyCertOptions().setCertValue(certPem).setKeyValue(keyPem).getKeyManagerFactory(vertx);
    for (KeyManager km : kmf.getKeyManagers()) {
      if (km instanceof X509KeyManager x509) {
        for (String type : KEY_TYPES) {
          String[] aliases = x509.getServerAliases(type, null);
          if (aliases != null && aliases.length > 0) {
            TlsIdentity id = new TlsIdentity(x509.getPrivateKey(aliases[0]), List.of(x509.getCertificateChain(aliases[0])));
            checkPair(id);
            return id;
          }
        }
      }
    }
    throw new GeneralSecurityException("no private key with a certificate in the PEM files");
  }

  /** All certificates of a PEM bundle, in order. */
  static List<X509Certificate> certificates(byte[] pem) throws GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
      out.add((X509Certificate) c);
    }
    return out;
  }

  /** Signs and verifies a few bytes: the key must be the leaf's. */
  private static void checkPair(TlsIdentity id) throws GeneralSecurityException {
    String algorithm = switch (id.key().getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> null; // other key types: trusted as read
    };
    if (algorithm == null) {
      return;
    }
    byte[] probe = "locci".getBytes(StandardCharsets.US_ASCII);
    Signature sign = Signature.getInstance(algorithm);
    sign.initSign(id.key());
    sign.update(probe);
    byte[] signature = sign.sign();
    Signature verify = Signature.getInstance(algorithm);
    verify.initVerify(id.leaf().getPublicKey());
    verify.update(probe);
    if (!verify.verify(signature)) {
      throw new GeneralSecurityException("the private key does not belong to the certificate");
    }
  }
}
