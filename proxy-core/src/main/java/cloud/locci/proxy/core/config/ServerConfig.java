package cloud.locci.proxy.core.config;

import java.util.List;
import java.util.Optional;

/**
 * The {@code server} section: the proxy listener and its limits.
 *
 * @param bindAddress where the proxy listens ({@code 0.0.0.0:8484} by default)
 * @param workers number of proxy verticle instances (event loops); empty means one per CPU core
 * @param tls TLS termination on the listener; empty means plain HTTP
 * @param maxHeaderSize bytes of request line plus headers before 431 (default 8 KiB)
 * @param maxRequestLine bytes of the request line before 414 (default 8 KiB)
 * @param idleTimeoutSecs a keep-alive connection with no traffic is closed after this (default 60)
 * @param headerTimeoutSecs a client that has not sent its whole head by then gets 408 (default 10)
 * @param shutdownGraceSecs how long in-flight requests may run after SIGTERM (default 10)
 * @param bodyTimeoutSecs a client that sends no request body byte for this long gets 408
 *     {@code client_timeout} (default 60, nginx's {@code client_body_timeout})
 * @param maxBodySize request body bytes beyond which the answer is 413 {@code body_too_large}; empty
 *     means unlimited (the default); a route's {@code max_body_size} replaces it for that route
 * @param allowEncodedSlashes accept {@code %2F}, {@code %5C}, {@code %00} and {@code \} in paths and forward
 *     them as they are (still encoded) instead of answering 400 (default false)
 * @param underscoresInHeaders keep client header names containing {@code _} (default false: dropped, as
 *     nginx does, because CGI-style upstreams read {@code X_Auth_Subject} as {@code X-Auth-Subject})
 * @param trustedProxies peers whose {@code X-Forwarded-*}, {@code Forwarded} and {@code X-Real-IP} are
 *     kept (default none: every client's are replaced by the proxy's own)
 * @param httpBindAddress a second, plain-HTTP listener (port 80 in production): answers ACME http-01
 *     challenges and either routes like the main listener or redirects to https; empty means none
 * @param httpsRedirect whether the plain listener answers everything but ACME challenges with a 308 to
 *     https
 * @param h2c whether the plain (non-TLS) listeners also speak cleartext HTTP/2 with prior knowledge
 *     (default true; SPEC §12)
 */
public record ServerConfig(
    ServerAddress bindAddress,
    Optional<Integer> workers,
    Optional<ListenerTls> tls,
    int maxHeaderSize,
    int maxRequestLine,
    int idleTimeoutSecs,
    int headerTimeoutSecs,
    int shutdownGraceSecs,
    int bodyTimeoutSecs,
    Optional<Long> maxBodySize,
    boolean allowEncodedSlashes,
    boolean underscoresInHeaders,
    List<Cidr> trustedProxies,
    Optional<ServerAddress> httpBindAddress,
    boolean httpsRedirect,
    boolean h2c) {

  public ServerConfig {
    trustedProxies = List.copyOf(trustedProxies);
  }

  /** Every key but {@code h2c}, which takes its default (on). */
  public ServerConfig(ServerAddress bindAddress, Optional<Integer> workers, Optional<ListenerTls> tls,
      int maxHeaderSize, int maxRequestLine, int idleTimeoutSecs, int headerTimeoutSecs, int shutdownGraceSecs,
      int bodyTimeoutSecs, Optional<Long> maxBodySize, boolean allowEncodedSlashes, boolean underscoresInHeaders,
      List<Cidr> trustedProxies, Optional<ServerAddress> httpBindAddress, boolean httpsRedirect) {
    this(bindAddress, workers, tls, maxHeaderSize, maxRequestLine, idleTimeoutSecs, headerTimeoutSecs,
        shutdownGraceSecs, bodyTimeoutSecs, maxBodySize, allowEncodedSlashes, underscoresInHeaders, trustedProxies,
        httpBindAddress, httpsRedirect, DEFAULT_H2C);
  }

  public static final boolean DEFAULT_H2C = true;

  public static final ServerAddress DEFAULT_BIND = new ServerAddress("0.0.0.0", 8484);
  public static final int DEFAULT_MAX_HEADER_SIZE = 8 * 1024;
  public static final int DEFAULT_MAX_REQUEST_LINE = 8 * 1024;
  public static final int DEFAULT_IDLE_TIMEOUT_SECS = 60;
  public static final int DEFAULT_HEADER_TIMEOUT_SECS = 10;
  public static final int DEFAULT_SHUTDOWN_GRACE_SECS = 10;
  public static final int DEFAULT_BODY_TIMEOUT_SECS = 60;
  /** The largest {@code max_body_size} accepted (1 TiB); 0 means unlimited, as nginx's client_max_body_size. */
  public static final long MAX_BODY_SIZE = 1L << 40;

  /** The defaults of every key, listening on {@code bindAddress}. */
  public static ServerConfig defaults(ServerAddress bindAddress) {
    return new ServerConfig(bindAddress, Optional.empty(), Optional.empty(), DEFAULT_MAX_HEADER_SIZE,
        DEFAULT_MAX_REQUEST_LINE, DEFAULT_IDLE_TIMEOUT_SECS, DEFAULT_HEADER_TIMEOUT_SECS,
        DEFAULT_SHUTDOWN_GRACE_SECS, DEFAULT_BODY_TIMEOUT_SECS, Optional.empty(), false, false, List.of(),
        Optional.empty(), false);
  }

  public ServerConfig withBindAddress(ServerAddress address) {
    return new ServerConfig(address, workers, tls, maxHeaderSize, maxRequestLine, idleTimeoutSecs,
        headerTimeoutSecs, shutdownGraceSecs, bodyTimeoutSecs, maxBodySize, allowEncodedSlashes,
        underscoresInHeaders, trustedProxies, httpBindAddress, httpsRedirect, h2c);
  }

  public ServerConfig withH2c(boolean on) {
    return new ServerConfig(bindAddress, workers, tls, maxHeaderSize, maxRequestLine, idleTimeoutSecs,
        headerTimeoutSecs, shutdownGraceSecs, bodyTimeoutSecs, maxBodySize, allowEncodedSlashes,
        underscoresInHeaders, trustedProxies, httpBindAddress, httpsRedirect, on);
  }

  public ServerConfig withWorkers(int n) {
    return new ServerConfig(bindAddress, Optional.of(n), tls, maxHeaderSize, maxRequestLine,
        idleTimeoutSecs, headerTimeoutSecs, shutdownGraceSecs, bodyTimeoutSecs, maxBodySize, allowEncodedSlashes,
        underscoresInHeaders, trustedProxies, httpBindAddress, httpsRedirect, h2c);
  }

  /**
   * {@code server.tls}: TLS termination, with a PEM certificate chain and private key, certificates from
   * an ACME CA, or both (the files' certificate then answers names ACME has no certificate for yet), and
   * the protocol versions and cipher suites offered (for every certificate, files' or ACME's).
   *
   * @param protocols enabled versions ({@link #DEFAULT_PROTOCOLS} by default)
   * @param ciphers enabled suites, JSSE names ({@link #DEFAULT_CIPHERS} by default)
   */
  public record ListenerTls(
      Optional<String> certPath,
      Optional<String> keyPath,
      List<String> protocols,
      List<String> ciphers,
      Optional<AcmeConfig> acme) {

    /** TLS 1.3 and 1.2; older versions are not accepted at all. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** The versions {@code server.tls.protocols} may name. */
    public static final List<String> KNOWN_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * Forward-secret AEAD suites only (Mozilla's "intermediate" list without DHE): the three TLS 1.3
     * suites, then ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2. No static-RSA key exchange, no
     * CBC.
     */
    public static final List<String> DEFAULT_CIPHERS = List.of(
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    public ListenerTls {
      protocols = List.copyOf(protocols);
      ciphers = List.copyOf(ciphers);
    }

    /** TLS with certificate files only, the default protocols and ciphers. */
    public static ListenerTls files(String certPath, String keyPath) {
      return new ListenerTls(Optional.of(certPath), Optional.of(keyPath), DEFAULT_PROTOCOLS, DEFAULT_CIPHERS,
          Optional.empty());
    }

    /** Whether {@code suite} is a TLS 1.3 suite (those name no key exchange). */
    public static boolean isTls13Suite(String suite) {
      return suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_");
    }
  }
}
