package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.locci.proxy.core.testing.TestTokens;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;

class JwtPublicKeyTest {

  private static PublicKey rsa(int bits) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(bits);
    return gen.generateKeyPair().getPublic();
  }

  private static PublicKey ec(String curve) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec(curve));
    return gen.generateKeyPair().getPublic();
  }

  private static String pem(PublicKey key) {
    return TestTokens.pem("PUBLIC KEY", key.getEncoded());
  }

  @Test
  void theAlgorithmComesFromTheKey() throws Exception {
    assertThat(JwtPublicKey.parse(pem(rsa(2048))).algorithm()).isEqualTo("RS256");
    assertThat(JwtPublicKey.parse(pem(ec("secp256r1"))).algorithm()).isEqualTo("ES256");
    assertThat(JwtPublicKey.parse(pem(ec("secp384r1"))).algorithm()).isEqualTo("ES384");
  }

  @Test
  void theKeyIsReEncodedAsAPublicKeyPem() throws Exception {
    PublicKey key = ec("secp256r1");
    String crlf = pem(key).replace("\n", "\r\n");
    assertThat(JwtPublicKey.parse(crlf).pem()).isEqualTo(pem(key));
  }

  @Test
  void shortRsaKeysAreRefused() throws Exception {
    assertThatThrownBy(() -> JwtPublicKey.parse(pem(rsa(1024))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1024 bits is too short");
  }

  @Test
  void aPrivateKeyIsNotAPublicKey() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    String privatePem = TestTokens.pem("PRIVATE KEY", gen.generateKeyPair().getPrivate().getEncoded());
    assertThatThrownBy(() -> JwtPublicKey.parse(privatePem))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"PRIVATE KEY\" is not a public key");
  }

  @Test
  void unsupportedKeyTypesAndGarbageAreRefused() throws Exception {
    PublicKey ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
    assertThatThrownBy(() -> JwtPublicKey.parse(pem(ed)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported or malformed public key");
    assertThatThrownBy(() -> JwtPublicKey.parse("-----BEGIN PUBLIC KEY-----\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-----END PUBLIC KEY-----");
    assertThatThrownBy(() -> JwtPublicKey.parse("hello"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a PEM file");
    assertThatThrownBy(() -> JwtPublicKey.parse("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
