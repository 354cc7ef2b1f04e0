package cloud.locci.proxy.core.acme;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ACME challenges being validated right now, process-wide: http-01 key authorizations by token and
 * tls-alpn-01 certificates by domain. Written by the certificate store before it asks the CA to validate
 * and removed after; read by every proxy instance's listeners (lock-free map reads), so a challenge is
 * answered on every event loop the moment it exists.
 */
public final class AcmeChallenges implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "acme-challenges";

  private final Map<String, String> httpTokens = new ConcurrentHashMap<>();
  private final Map<String, TlsIdentity> alpnCertificates = new ConcurrentHashMap<>();

  private AcmeChallenges() {}

  /** The holder of {@code vertx}'s process, created on first use. */
  public static AcmeChallenges of(Vertx vertx) {
    LocalMap<String, AcmeChallenges> map = vertx.sharedData().getLocalMap(MAP);
    AcmeChallenges fresh = new AcmeChallenges();
    AcmeChallenges existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** The key authorization for an http-01 {@code token}; null when no such challenge is pending. */
  public String keyAuthorization(String token) {
    return httpTokens.get(token);
  }

  /** The tls-alpn-01 certificate for {@code domain}; null when no such challenge is pending. */
  public TlsIdentity alpnCertificate(String domain) {
    return alpnCertificates.get(domain);
  }

  void putHttp(String token, String keyAuthorization) {
    httpTokens.put(token, keyAuthorization);
  }

  void removeHttp(String token) {
    httpTokens.remove(token);
  }

  void putAlpn(String domain, TlsIdentity certificate) {
    alpnCertificates.put(domain, certificate);
  }

  void removeAlpn(String domain) {
    alpnCertificates.remove(domain);
  }
}
