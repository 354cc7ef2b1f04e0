package cloud.locci.proxy.core.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The public key of an {@code authentication} middleware's {@code public_key_path}, and the one JWS
 * algorithm it verifies, chosen from the key: RSA (2048 bits or more) verifies {@code RS256}; EC keys
 * verify {@code ES256}, {@code ES384} or {@code ES512} for the curves P-256, P-384 and P-521. Tokens
 * signed with any other algorithm, {@code HS256} included, are refused, so a public key can never be
 * used as an HMAC secret.
 *
 * <p>Read by the validator (a file that is not such a key is a configuration error) and again by the
 * middleware each time a config version is built, so a reload picks up a replaced key file.
 *
 * @param algorithm the JWS {@code alg} this key verifies
 * @param pem the key re-encoded as a {@code PUBLIC KEY} PEM (whatever form the file had)
 */
public record JwtPublicKey(String algorithm, String pem) {

  private static final String[][] CURVES = {
      {"secp256r1", "ES256"}, {"secp384r1", "ES384"}, {"secp521r1", "ES512"}};

  /**
   * Reads and checks {@code path}. Blocking (file I/O): call off the event loop.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException when it holds no usable public key; the message says why
   */
  public static JwtPublicKey read(Path path) throws IOException {
    return parse(Files.readString(path, StandardCharsets.US_ASCII));
  }

  /**
   * Parses PEM text: a {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo, what {@code openssl pkey -pubout}
   * writes) or a {@code CERTIFICATE}, whose key is used.
   *
   * @throws IllegalArgumentException when it holds no usable public key; the message says why
   */
  public static JwtPublicKey parse(String text) {
    PublicKey key = decode(text);
    String alg = algorithm(key);
    String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
    return new JwtPublicKey(alg, "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n");
  }

  private static PublicKey decode(String text) {
    String label = label(text);
    byte[] der = body(text, label);
    try {
      switch (label) {
        case "PUBLIC KEY":
          return spki(der);
        case "CERTIFICATE":
          return CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der)).getPublicKey();
        default:
          throw new IllegalArgumentException("PEM block \"" + label + "\" is not a public key; expected "
              + "\"-----BEGIN PUBLIC KEY-----\" (e.g. from `openssl pkey -in key.pem -pubout`) or a certificate");
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a valid X.509 certificate: " + e.getMessage(), e);
    }
  }

  private static String label(String text) {
    int begin = text.indexOf("-----BEGIN ");
    if (begin < 0) {
      throw new IllegalArgumentException("not a PEM file: no \"-----BEGIN PUBLIC KEY-----\" line");
    }
    int end = text.indexOf("-----", begin + 11);
    if (end < 0) {
      throw new IllegalArgumentException("not a PEM file: unterminated BEGIN line");
    }
    return text.substring(begin + 11, end);
  }

  private static byte[] body(String text, String label) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = text.indexOf(begin) + begin.length();
    int to = text.indexOf(end, from);
    if (to < 0) {
      throw new IllegalArgumentException("not a PEM file: no \"" + end + "\" line");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(from, to));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("PEM body is not base64: " + e.getMessage(), e);
    }
  }

  private static PublicKey spki(byte[] der) {
    for (String type : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
      } catch (InvalidKeySpecException e) {
        // not this key type; try the next one
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JVM lacks " + type + " key support", e);
      }
    }
    throw new IllegalArgumentException("unsupported or malformed public key; use an RSA key (RS256) or an EC key "
        + "on P-256 (ES256), P-384 (ES384) or P-521 (ES512)");
  }

  private static String algorithm(PublicKey key) {
    if (key instanceof RSAPublicKey rsa) {
      int bits = rsa.getModulus().bitLength();
      if (bits < 2048) {
        throw new IllegalArgumentException("RSA key of " + bits + " bits is too short; RS256 needs 2048 bits or more"
            + " (RFC 7518 section 3.3)");
      }
      return "RS256";
    }
    if (key instanceof ECPublicKey ec) {
      BigInteger order = ec.getParams().getOrder();
      for (String[] curve : CURVES) {
        if (curveOrder(curve[0]).equals(order)) {
          return curve[1];
        }
      }
      throw new IllegalArgumentException("EC key on an unsupported curve; use P-256 (ES256), P-384 or P-521");
    }
    throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm()
        + "; use an RSA key (RS256) or an EC key (ES256)");
  }

  private static BigInteger curveOrder(String name) {
    try {
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec(name));
      return params.getParameterSpec(ECParameterSpec.class).getOrder();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM lacks the EC curve " + name, e);
    }
  }
}
