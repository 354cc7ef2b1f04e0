package cloud.locci.proxy.core.config;

import java.util.List;
import java.util.Optional;

/**
 * {@code server.tls.acme}: certificates for {@code domains} from an ACME (RFC 8555) CA, one certificate
 * per domain, kept in {@code storagePath} and renewed {@code renewBeforeDays} before they expire.
 *
 * @param email contact address given to the CA for expiry notices; empty means none
 * @param domains the names to get certificates for, lower case, no wildcards
 * @param directoryUrl the CA's directory (Let's Encrypt's production directory by default)
 * @param storagePath the directory holding the account key and the certificates
 * @param challenge how the CA checks that we control each domain
 * @param caPath PEM bundle trusted for the directory's own TLS (test CAs); empty means the JVM's trust store
 * @param renewBeforeDays how long before expiry a certificate is renewed
 */
public record AcmeConfig(
    Optional<String> email,
    List<String> domains,
    String directoryUrl,
    String storagePath,
    Challenge challenge,
    Optional<String> caPath,
    int renewBeforeDays) {

  public static final String DEFAULT_DIRECTORY_URL = "https://acme-v02.api.letsencrypt.org/directory";
  public static final String DEFAULT_STORAGE_PATH = "./acme";
  public static final int DEFAULT_RENEW_BEFORE_DAYS = 30;
  public static final int MAX_DOMAINS = 100;

  public AcmeConfig {
    domains = List.copyOf(domains);
  }

  /** The ACME challenge type answered for every domain. */
  public enum Challenge {
    /** The CA fetches {@code http://<domain>/.well-known/acme-challenge/<token>} on port 80. */
    HTTP_01("http-01"),
    /** The CA opens TLS to port 443 with ALPN {@code acme-tls/1} and checks a special certificate. */
    TLS_ALPN_01("tls-alpn-01");

    private final String yamlName;

    Challenge(String yamlName) {
      this.yamlName = yamlName;
    }

    public String yamlName() {
      return yamlName;
    }

    static Optional<Challenge> parse(String s) {
      for (Challenge c : values()) {
        if (c.yamlName().equals(s)) {
          return Optional.of(c);
        }
      }
      return Optional.empty();
    }
  }
}
