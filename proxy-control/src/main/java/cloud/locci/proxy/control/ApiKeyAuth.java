package cloud.locci.proxy.control;

import cloud.locci.proxy.core.forward.ClientAddresses;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Requires {@code control_api.api_key}, when set, on every request: {@code Authorization: Bearer <key>}
 * or {@code X-API-Key: <key>}; 401 otherwise. Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, so the time taken reveals neither the key's content nor its length.
 * The key follows the running configuration (a reload that changes it applies at once). Failed checks
 * are throttled per client address ({@link FailedKeyThrottle}: at most 10 a second); past 5 seconds of
 * waiting the answer is 429 without a check.
 */
final class ApiKeyAuth implements Handler<RoutingContext> {

  private static final String BEARER = "bearer ";

  // Past this wait a request is refused at once (429) without its key being checked.
  private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final FailedKeyThrottle throttle = new FailedKeyThrottle();
  private volatile byte[] expected;

  /** Uses {@code key} from now on; empty turns authentication off. */
  void key(Optional<String> key) {
    expected = key.map(ApiKeyAuth::digest).orElse(null);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (expected == null) {
      ctx.next();
      return;
    }
    SocketAddress remote = ctx.request().remoteAddress();
    String address = ClientAddresses.perClientKey(remote == null ? null : remote.hostAddress());
    long wait = throttle.reserve(address, System.nanoTime());
    if (wait == 0) {
      check(ctx, address);
      return;
    }
    if (wait > MAX_WAIT_NANOS) {
      throttle.succeeded(address); // no check made: the slot is not used
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(TimeUnit.NANOSECONDS.toSeconds(wait) + 1));
      ApiErrors.send(ctx, 429, "too many failed API key checks from " + address + "; wait before trying again");
      return;
    }
    // The body (if any) stays in the socket until the check is made; BodyHandler resumes the request.
    ctx.request().pause();
    ctx.vertx().setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)), id -> {
      if (!ctx.response().closed() && !ctx.response().ended()) {
        check(ctx, address);
      }
    });
  }

  private void check(RoutingContext ctx, String address) {
    byte[] want = expected;
    String given = presented(ctx);
    if (want == null || given != null && MessageDigest.isEqual(want, digest(given))) {
      throttle.succeeded(address);
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"locci-proxy\"");
    ApiErrors.send(ctx, 401, given == null
        ? "missing API key: send Authorization: Bearer <key> or X-API-Key: <key>" : "invalid API key");
  }

  private static String presented(RoutingContext ctx) {
    String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.length() > BEARER.length() && auth.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return auth.substring(BEARER.length()).trim();
    }
    return ctx.request().getHeader("X-API-Key");
  }

  private static byte[] digest(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
