package cloud.locci.proxy.core.config;

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
    Optional<Long> maxBodySize) {

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
        DEFAULT_SHUTDOWN_GRACE_SECS, DEFAULT_BODY_TIMEOUT_SECS, Optional.empty());
  }

  public ServerConfig withBindAddress(ServerAddress address) {
    return new ServerConfig(address, workers, tls, maxHeaderSize, maxRequestLine, idleTimeoutSecs,
        headerTimeoutSecs, shutdownGraceSecs, bodyTimeoutSecs, maxBodySize);
  }

  public ServerConfig withWorkers(int n) {
    return new ServerConfig(bindAddress, Optional.of(n), tls, maxHeaderSize, maxRequestLine,
        idleTimeoutSecs, headerTimeoutSecs, shutdownGraceSecs, bodyTimeoutSecs, maxBodySize);
  }

  /** {@code server.tls}: PEM certificate chain and private key for TLS termination. */
  public record ListenerTls(String certPath, String keyPath) {}
}
