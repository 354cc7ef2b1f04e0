package cloud.locci.proxy.core.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * Signs JWTs for tests: HS256 with a secret, RS256/ES256 with a key pair generated at test time, plus
 * the forgeries a verifier must refuse (tampered payload, {@code alg: none}).
 */
public final class TestTokens {

  private final JWTAuth signer;
  private final String algorithm;
  private final KeyPair keys;

  private TestTokens(JWTAuth signer, String algorithm, KeyPair keys) {
    this.signer = signer;
    this.algorithm = algorithm;
    this.keys = keys;
  }

  /** Signs with HS256 and {@code secret}. */
  public static TestTokens hs256(Vertx vertx, String secret) {
    return new TestTokens(JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))), "HS256", null);
  }

  /** Signs with RS256 and a fresh 2048-bit RSA key pair. */
  public static TestTokens rs256(Vertx vertx) throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    return withKeyPair(vertx, "RS256", gen.generateKeyPair());
  }

  /** Signs with ES256 and a fresh P-256 key pair. */
  public static TestTokens es256(Vertx vertx) throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    return withKeyPair(vertx, "ES256", gen.generateKeyPair());
  }

  private static TestTokens withKeyPair(Vertx vertx, String alg, KeyPair pair) {
    String privatePem = pem("PRIVATE KEY", pair.getPrivate().getEncoded());
    return new TestTokens(JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(alg).setBuffer(privatePem))), alg, pair);
  }

  /** PEM text of {@code der} under {@code label}. */
  public static String pem(String label, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  /** Writes the public key as a {@code PUBLIC KEY} PEM file in {@code dir}; only for RS256/ES256 signers. */
  public Path writePublicKey(Path dir) throws IOException {
    return Files.writeString(dir.resolve(algorithm.toLowerCase() + ".pub.pem"),
        pem("PUBLIC KEY", keys.getPublic().getEncoded()), StandardCharsets.US_ASCII);
  }

  /** A signed token with {@code claims} (an {@code iat} of now is added). */
  public String sign(JsonObject claims) {
    return signer.generateToken(claims.copy(), new JWTOptions().setAlgorithm(algorithm));
  }

  /** A signed token with {@code claims} and the extra JOSE header parameters {@code header} (e.g. {@code crit}). */
  public String sign(JsonObject claims, JsonObject header) {
    return signer.generateToken(claims.copy(), new JWTOptions().setAlgorithm(algorithm).setHeader(header));
  }

  /** A signed token for {@code sub} that expires in an hour. */
  public String forSubject(String sub) {
    return sign(new JsonObject().put("sub", sub).put("exp", nowSecs() + 3600));
  }

  public static long nowSecs() {
    return System.currentTimeMillis() / 1000;
  }

  /** {@code token} with its payload replaced by {@code claims}, the signature kept (a forgery). */
  public static String tamper(String token, JsonObject claims) {
    String[] parts = token.split("\\.");
    return parts[0] + "." + base64Url(claims.encode()) + "." + parts[2];
  }

  /** An unsigned token ({@code alg: none}) with {@code claims}. */
  public static String unsigned(JsonObject claims) {
    return base64Url(new JsonObject().put("alg", "none").put("typ", "JWT").encode()) + "."
        + base64Url(claims.encode()) + ".";
  }

  private static String base64Url(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
