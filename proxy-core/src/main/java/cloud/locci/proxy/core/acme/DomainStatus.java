package cloud.locci.proxy.core.acme;

import java.time.Instant;
import java.util.Optional;

/**
 * One ACME domain as {@code GET /api/v1/status} reports it.
 *
 * @param domain the name
 * @param notAfter expiry of the certificate served for it; empty while it has none from the CA
 * @param state {@code obtaining} (no certificate yet), {@code valid}, {@code renewing} (due, being
 *     renewed or retried) or {@code failed} (no certificate, the last attempt failed; retried with backoff)
 * @param lastError the last failure, cleared by a success
 */
public record DomainStatus(String domain, Optional<Instant> notAfter, String state, Optional<String> lastError) {

  public static final String OBTAINING = "obtaining";
  public static final String VALID = "valid";
  public static final String RENEWING = "renewing";
  public static final String FAILED = "failed";
}
