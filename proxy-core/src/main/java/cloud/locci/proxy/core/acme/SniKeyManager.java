package cloud.locci.proxy.core.acme;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Chooses the certificate of each TLS handshake from the name the client asked for (SNI): the ACME
 * certificate of that domain, else the fallback. A handshake that negotiated ALPN {@code acme-tls/1} is
 * a CA validating a tls-alpn-01 challenge (RFC 8737): it gets that domain's challenge certificate and
 * nothing else.
 *
 * <p>Why a key manager and not Vert.x's SNI ({@code setSni(true)} with several key/cert pairs): Vert.x
 * builds and caches one SSL context per server name, which cannot depend on the ALPN protocol, and the
 * challenge certificates come and go within seconds. The JDK calls the key manager after it has
 * processed the ClientHello's SNI and ALPN extensions (with TLS 1.3, which every ACME validator uses,
 * the certificate is chosen after ALPN), so one immutable object per {@link CertificateSet} serves
 * every handshake without locks.
 */
final class SniKeyManager extends X509ExtendedKeyManager {

  static final String ACME_TLS_1 = "acme-tls/1";
  private static final String FALLBACK = "fallback";
  private static final String DOMAIN = "domain:";
  private static final String CHALLENGE = "acme-tls/1:";

  private final CertificateSet set;
  private final AcmeChallenges challenges;

  SniKeyManager(CertificateSet set, AcmeChallenges challenges) {
    this.set = set;
    this.challenges = challenges;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return choose(keyType, engine.getHandshakeSession(), engine.getHandshakeApplicationProtocol());
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    if (socket instanceof SSLSocket ssl) {
      return choose(keyType, ssl.getHandshakeSession(), ssl.getHandshakeApplicationProtocol());
    }
    return choose(keyType, null, null);
  }

  private String choose(String keyType, SSLSession session, String alpn) {
    String name = serverName(session);
    if (ACME_TLS_1.equals(alpn)) {
      TlsIdentity c = name == null ? null : challenges.alpnCertificate(name);
      return c != null && fits(c, keyType) ? CHALLENGE + name : null;
    }
    if (name != null) {
      TlsIdentity own = set.byDomain().get(name);
      if (own != null && fits(own, keyType)) {
        return DOMAIN + name;
      }
    }
    return fits(set.fallback(), keyType) ? FALLBACK : null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    TlsIdentity id = resolve(alias);
    return id == null ? null : id.chainArray();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    TlsIdentity id = resolve(alias);
    return id == null ? null : id.key();
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, TlsIdentity> e : set.byDomain().entrySet()) {
      if (fits(e.getValue(), keyType)) {
        out.add(DOMAIN + e.getKey());
      }
    }
    if (fits(set.fallback(), keyType)) {
      out.add(FALLBACK);
    }
    return out.isEmpty() ? null : out.toArray(new String[0]);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return null;
  }

  private TlsIdentity resolve(String alias) {
    if (alias == null) {
      return null;
    }
    if (alias.equals(FALLBACK)) {
      return set.fallback();
    }
    if (alias.startsWith(DOMAIN)) {
      return set.byDomain().get(alias.substring(DOMAIN.length()));
    }
    if (alias.startsWith(CHALLENGE)) {
      return challenges.alpnCertificate(alias.substring(CHALLENGE.length()));
    }
    return null;
  }

  /** Whether the key can sign for the key type the JDK asks about ("EC", "RSA", "RSASSA-PSS", ...). */
  private static boolean fits(TlsIdentity id, String keyType) {
    String algorithm = id.key().getAlgorithm();
    return keyType == null || keyType.equalsIgnoreCase(algorithm);
  }

  /** The host name the client sent (SNI), lower case; null without one. */
  private static String serverName(SSLSession session) {
    if (session instanceof ExtendedSSLSession extended) {
      for (SNIServerName n : extended.getRequestedServerNames()) {
        if (n instanceof SNIHostName host) {
          return host.getAsciiName().toLowerCase(Locale.ROOT);
        }
      }
    }
    return null;
  }
}
