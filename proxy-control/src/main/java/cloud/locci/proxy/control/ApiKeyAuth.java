package cloud.locci.proxy.control;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Requires {@code control_api.api_key}, when set, on every request: {@code Authorization: Bearer <key>}
 * or {@code X-API-Key: <key>}; 401 otherwise. Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, so the time taken reveals neither the key's content nor its length.
 * The key follows the running configuration (a reload that changes it applies at once).
 */
final class ApiKeyAuth implements Handler<RoutingContext> {

  private static final String BEARER = "bearer ";

  private volatile byte[] expected;

  /** Uses {@code key} from now on; empty turns authentication off. */
  void key(Optional<String> key) {
    expected = key.map(ApiKeyAuth::digest).orElse(null);
  }

  @Override
  public void handle(RoutingContext ctx) {
    byte[] want = expected;
    if (want == null) {
      ctx.next();
      return;
    }
    String given = presented(ctx);
    if (given != null && MessageDigest.isEqual(want, digest(given))) {
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
