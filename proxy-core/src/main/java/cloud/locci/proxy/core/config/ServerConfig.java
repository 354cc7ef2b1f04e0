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
 * @param allowEncodedSlashes accept {@code %2F}, {@code %5C}, {@code %00} and {@code \} in paths and forward
 *     them as they are (still encoded) instead of answering 400 (default false)
 * @param underscoresInHeaders keep client header names containing {@code _} (default false: dropped, as
 *     nginx does, because CGI-style upstreams read {@code X_Auth_Subject} as {@code X-Auth-Subject})
 * @param trustedProxies peers whose {@code X-Forwarded-*}, {@code Forwarded} and {@code X-Real-IP} are
 *     kept (default none: every client's are replaced by the proxy's own)
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
    boolean allowEncodedSlashes,
    boolean underscoresInHeaders,
    List<Cidr> trustedProxies) {

  public ServerConfig {
    trustedProxies = List.copyOf(trustedProxies);
  }

  public static final ServerAddress DEFAULT_BIND = new ServerAddress("0.0.0.0", 8484);
  public static final int DEFAULT_MAX_HEADER_SIZE = 8 * 1024;
  public static final int DEFAULT_MAX_REQUEST_LINE = 8 * 1024;
  public static final int DEFAULT_IDLE_TIMEOUT_SECS = 60;
  public static final int DEFAULT_HEADER_TIMEOUT_SECS = 10;
  public static final int DEFAULT_SHUTDOWN_GRACE_SECS = 10;

  /** The defaults of every key, listening on {@code bindAddress}. */
  public static ServerConfig defaults(ServerAddress bindAddress) {
    return new ServerConfig(bindAddress, Optional.empty(), Optional.empty(), DEFAULT_MAX_HEADER_SIZE,
        DEFAULT_MAX_REQUEST_LINE, DEFAULT_IDLE_TIMEOUT_SECS, DEFAULT_HEADER_TIMEOUT_SECS,
        DEFAULT_SHUTDOWN_GRACE_SECS, false, false, List.of());
  }

  public ServerConfig withBindAddress(ServerAddress address) {
    return new ServerConfig(address, workers, tls, maxHeaderSize, maxRequestLine, idleTimeoutSecs,
        headerTimeoutSecs, shutdownGraceSecs, allowEncodedSlashes, underscoresInHeaders, trustedProxies);
  }

  public ServerConfig withWorkers(int n) {
    return new ServerConfig(bindAddress, Optional.of(n), tls, maxHeaderSize, maxRequestLine,
        idleTimeoutSecs, headerTimeoutSecs, shutdownGraceSecs, allowEncodedSlashes, underscoresInHeaders,
        trustedProxies);
  }

  /** {@code server.tls}: PEM certificate chain and private key for TLS termination. */
  public record ListenerTls(String certPath, String keyPath) {}
}
