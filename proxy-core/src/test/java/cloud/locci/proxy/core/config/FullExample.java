package cloud.locci.proxy.core.config;

import io.vertx.core.net.SelfSignedCertificate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * {@code examples/config-full.yaml} as the tests load it: the files it names under {@code ./certs/}
 * cannot be in the repository, so they are generated in a directory and the paths point there.
 */
final class FullExample {

  static final String SOURCE = "examples/config-full.yaml";

  private FullExample() {}

  /** The repository root: the first directory up from the working directory that holds the example. */
  static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve(SOURCE))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(SOURCE + " not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  /** The file's text, unchanged. */
  static String rawText() throws IOException {
    return Files.readString(repoRoot().resolve(SOURCE), StandardCharsets.UTF_8);
  }

  /**
   * The file's text with {@code ./certs/} replaced by {@code dir}, after writing there the four files
   * it names: a self-signed certificate and its key (also used as the upstream CA) and an EC public key;
   * and with its placeholder secrets replaced by real ones ({@link #withSecrets}).
   */
  @SuppressWarnings("removal") // SelfSignedCertificate: the simplest way to make a certificate at test time
  static String withFilesIn(Path dir) throws IOException, GeneralSecurityException {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    Files.copy(Path.of(cert.certificatePath()), dir.resolve("server.pem"));
    Files.copy(Path.of(cert.privateKeyPath()), dir.resolve("server-key.pem"));
    Files.copy(Path.of(cert.certificatePath()), dir.resolve("upstream-ca.pem"));
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    String pem = "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(ec.generateKeyPair().getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
    Files.writeString(dir.resolve("jwt-public.pem"), pem, StandardCharsets.US_ASCII);
    return withSecrets(rawText().replace("./certs/", dir.toAbsolutePath() + "/"));
  }

  /** The secret an operator puts in place of each refused placeholder of the example. */
  static final String JWT_SECRET = "full-example-jwt-secret-0123456789abcdef";
  static final String API_KEY = "full-example-api-key-0123456789abcdef";

  /** {@code yaml} with the example's placeholder secrets replaced, as the file asks its reader to. */
  static String withSecrets(String yaml) {
    return yaml.replace("REPLACE-with-the-output-of-openssl-rand-hex-32", JWT_SECRET)
        .replace("REPLACE-with-another-output-of-openssl-rand-hex-32", API_KEY);
  }

  /** {@code yaml} as plain maps and lists. */
  static Object tree(String yaml) {
    return new Load(LoadSettings.builder().build()).loadFromString(yaml);
  }

  /** The path of every mapping key in {@code tree}, list items as {@code [i]}, in document order. */
  static List<String> keyPaths(Object tree) {
    List<String> out = new ArrayList<>();
    walk(tree, "", out);
    return out;
  }

  private static void walk(Object node, String path, List<String> out) {
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String p = path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey();
        out.add(p);
        walk(e.getValue(), p, out);
      }
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), path + "[" + i + "]", out);
      }
    }
  }
}
