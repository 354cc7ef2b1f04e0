package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.config.MiddlewareConfig.RateKey;
import cloud.locci.proxy.core.forward.ClientAddresses;
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
 * {@code rate_limiting}: one token bucket per key ({@link TokenBuckets}). The key ({@code key}) is the
 * client's IP address ({@code client_ip}, the default; the TCP peer, since {@code X-Forwarded-For} is
 * not trusted, and an IPv6 client by its /64), a header's value ({@code header:NAME}, or the seed's
 * {@code key_header}: a value the client chooses, so a client can spread itself over many buckets; for
 * API keys or tenants that are checked elsewhere), or the subject an authentication middleware earlier
 * in the chain verified ({@code jwt_sub}). Requests without the header or the subject are counted by
 * address.
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
    TokenBuckets.Take take = buckets.take(key(exchange));
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

  /**
   * {@code h:<header value>}, {@code s:<subject>} or {@code ip:<address>} (IPv6 as its /64), so a value
   * of one kind can never take another kind's bucket. Requests without the header or without a verified
   * subject are counted by address.
   */
  private String key(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    if (config.key() instanceof RateKey.Header header) {
      String value = request.getHeader(header.name());
      if (value != null && !value.isEmpty()) {
        return value.length() <= MAX_PLAIN_KEY ? "h:" + value : "h#" + sha256(value);
      }
    } else if (config.key() instanceof RateKey.JwtSub) {
      String subject = exchange.authSubject();
      if (subject != null && !subject.isEmpty()) {
        return subject.length() <= MAX_PLAIN_KEY ? "s:" + subject : "s#" + sha256(subject);
      }
    }
    SocketAddress remote = request.remoteAddress();
    return "ip:" + (remote == null ? "" : ClientAddresses.perClientKey(remote.hostAddress()));
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
