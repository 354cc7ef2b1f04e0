package cloud.locci.proxy.core.config;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

/**
 * Rules for the secrets a configuration holds ({@code control_api.api_key}, {@code jwt_secret}): at
 * least {@link #MIN_BYTES} bytes, and never a value the project itself ships in its examples, Docker
 * files or README (those are public, so anyone could present them).
 */
public final class Secrets {

  /** Shortest secret accepted, in UTF-8 bytes: 256 bits, what {@code openssl rand -hex 32} gives as text. */
  public static final int MIN_BYTES = 32;

  /**
   * Every secret value that appears in the project's shipped files, today's and earlier versions'.
   * {@code ShippedSecretsTest} fails when a shipped file carries a secret that is not refused.
   */
  static final Set<String> SHIPPED = Set.of(
      "change-me",
      "change-me-too",
      "CHANGE-ME-generate-with-openssl-rand-hex-32",
      "a-long-random-secret-of-32+-bytes",
      "REPLACE-with-the-output-of-openssl-rand-hex-32",
      "REPLACE-with-another-output-of-openssl-rand-hex-32");

  private Secrets() {}

  /** Why {@code secret} may not be used, or empty when it may. */
  public static Optional<String> problem(String secret) {
    if (SHIPPED.contains(secret)) {
      return Optional.of("this value is published in the project's examples, so anyone can present it;"
          + " generate your own, e.g. with `openssl rand -hex 32`");
    }
    int bytes = secret.getBytes(StandardCharsets.UTF_8).length;
    if (bytes < MIN_BYTES) {
      return Optional.of("too short: " + bytes + " bytes, at least " + MIN_BYTES
          + " are needed (e.g. the output of `openssl rand -hex 32`)");
    }
    return Optional.empty();
  }
}
