package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.Reason;
import io.netty.util.AsciiString;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * {@code rate_limiting}: one token bucket per key ({@link TokenBuckets}). The key is the value of
 * {@code key_header}, or the client's IP address when that header is absent or not configured (the
 * TCP peer: {@code X-Forwarded-For} is not trusted, any client can write it).
 *
 * <p>Every response carries {@code X-RateLimit-Limit} (the bucket size, {@code burst_size}) and
 * {@code X-RateLimit-Remaining} (whole tokens left after this request). A request that finds its bucket
 * empty gets 429 with reason {@code rate_limited} and {@code Retry-After}: the seconds until one token is
 * back, rounded up.
 */
final class RateLimitMiddleware implements Middleware {

  static final AsciiString LIMIT = AsciiString.cached("X-RateLimit-Limit");
  static final AsciiString REMAINING = AsciiString.cached("X-RateLimit-Remaining");

  // Longer header values are stored as their SHA-256, so a key costs at most ~100 bytes whatever the client sends.
  private static final int MAX_PLAIN_KEY = 64;

  private final MiddlewareConfig.RateLimiting config;
  private final TokenBuckets buckets;
  private final String message;

  RateLimitMiddleware(MiddlewareConfig.RateLimiting config, TokenBuckets buckets) {
    this.config = config;
    this.buckets = buckets;
    this.message = "rate limit exceeded: " + config.requestsPerMinute() + " requests per minute, bursts of "
        + config.burstSize();
  }

  @Override
  public String name() {
    return config.name();
  }

  TokenBuckets buckets() {
    return buckets;
  }

  @Override
  public Future<Verdict> onRequest(Exchange exchange) {
    TokenBuckets.Take take = buckets.take(key(exchange.request()));
    MultiMap headers = exchange.responseHeaders();
    headers.set(LIMIT, buckets.capacityText());
    headers.set(REMAINING, Long.toString(take.remaining()));
    if (take.allowed()) {
      return Middlewares.GO_ON;
    }
    long seconds = Math.max(1, (take.waitNanos() + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
    return Future.succeededFuture(new Verdict.Reject(Reason.RATE_LIMITED, message,
        MultiMap.caseInsensitiveMultiMap().set(HttpHeaders.RETRY_AFTER, Long.toString(seconds))));
  }

  /** {@code h:<header value>} or {@code ip:<address>}, so a header value can never take an address's bucket. */
  private String key(HttpServerRequest request) {
    if (config.keyHeader().isPresent()) {
      String value = request.getHeader(config.keyHeader().get());
      if (value != null && !value.isEmpty()) {
        return value.length() <= MAX_PLAIN_KEY ? "h:" + value : "h#" + sha256(value);
      }
    }
    SocketAddress remote = request.remoteAddress();
    return "ip:" + (remote == null ? "" : remote.hostAddress());
  }

  private static String sha256(String value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
