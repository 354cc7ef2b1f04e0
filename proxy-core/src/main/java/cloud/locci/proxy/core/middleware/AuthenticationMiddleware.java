package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.config.JwtPublicKey;
import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.Reason;
import io.netty.util.AsciiString;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code authentication}: a JWT bearer token ({@code Authorization: Bearer <token>}) verified with
 * vertx-auth-jwt, HS256 with {@code jwt_secret} or, with {@code public_key_path}, the algorithm of that
 * key (RS256 for RSA, ES256 for EC P-256; see {@link JwtPublicKey}). Tokens with any other {@code alg},
 * {@code none} included, are refused.
 *
 * <p>{@code exp} and {@code nbf} are honoured with {@link #CLOCK_SKEW_SECS} of clock skew either way;
 * a token without {@code exp} is refused unless {@code require_exp: false} (RFC 7519 makes the claim
 * optional, but a token that never expires cannot be taken back). With {@code issuer} set, {@code iss}
 * must equal it; with {@code audience} set, {@code aud} (a string or an array) must contain it; a token
 * without the claim is refused. A token whose header has {@code crit} is refused (no extension is
 * implemented). A missing token (or another scheme such as Basic) is 401 with
 * {@code WWW-Authenticate: Bearer}; a token that fails is
 * 401 with {@code WWW-Authenticate: Bearer error="invalid_token", error_description="..."} (RFC 6750
 * §3.1). The verified {@code sub} goes to the upstream as {@code X-Auth-Subject}; whatever the client
 * sent under that name is always removed, on excluded paths too, so an upstream can trust it.
 *
 * <p>Paths in {@code excluded_paths} ({@link ExcludedPaths}) need no token and are not checked even when
 * one is sent. Verification runs on the event loop: vertx-auth-jwt keeps one verifier per thread, so
 * the one instance per config version is shared by every event loop without locks.
 */
final class AuthenticationMiddleware implements Middleware {

  /** How far the issuer's clock and ours may disagree when checking {@code exp} and {@code nbf}. */
  static final int CLOCK_SKEW_SECS = 30;

  static final AsciiString SUBJECT = AsciiString.cached("X-Auth-Subject");
  static final AsciiString WWW_AUTHENTICATE = AsciiString.cached("WWW-Authenticate");

  private static final Logger log = LoggerFactory.getLogger(AuthenticationMiddleware.class);
  private static final String BEARER = "Bearer";

  private final String name;
  private final JWTAuth jwt;
  private final ExcludedPaths excluded;
  private final LongSupplier epochSeconds;
  private final Optional<String> audience;
  private final Optional<String> issuer;
  private final boolean requireExp;

  AuthenticationMiddleware(MiddlewareConfig.Authentication config, JWTAuth jwt, LongSupplier epochSeconds) {
    this.name = config.name();
    this.jwt = jwt;
    this.excluded = new ExcludedPaths(config.excludedPaths());
    this.epochSeconds = epochSeconds;
    this.audience = config.audience();
    this.issuer = config.issuer();
    this.requireExp = config.requireExp();
  }

  /** An HS256 verifier for {@code jwt_secret}. */
  static AuthenticationMiddleware hs256(Vertx vertx, MiddlewareConfig.Authentication config) {
    String secret = config.jwtSecret().orElseThrow(() ->
        new IllegalStateException("middleware " + config.name() + " has neither jwt_secret nor public_key_path"));
    return create(vertx, config, new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
  }

  /** A verifier for the algorithm of {@code key}, read from {@code public_key_path}. */
  static AuthenticationMiddleware withKey(Vertx vertx, MiddlewareConfig.Authentication config, JwtPublicKey key) {
    return create(vertx, config, new PubSecKeyOptions().setAlgorithm(key.algorithm()).setBuffer(key.pem()));
  }

  private static AuthenticationMiddleware create(Vertx vertx, MiddlewareConfig.Authentication config,
      PubSecKeyOptions key) {
    // exp/nbf are checked here, with messages that say which failed; the library would only say "expired".
    JWTAuthOptions options = new JWTAuthOptions()
        .addPubSecKey(key)
        .setJWTOptions(new JWTOptions().setIgnoreExpiration(true));
    return new AuthenticationMiddleware(config, JWTAuth.create(vertx, options), () -> System.currentTimeMillis() / 1000);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Verdict> onRequest(Exchange exchange) {
    exchange.removeUpstreamHeader(SUBJECT.toString());
    if (excluded.matches(exchange.request().path())) {
      return Middlewares.GO_ON;
    }
    List<String> authorization = exchange.request().headers().getAll(HttpHeaders.AUTHORIZATION);
    if (authorization.size() > 1) {
      return refuse("invalid_request", "more than one Authorization header");
    }
    String token = authorization.isEmpty() ? null : bearerToken(authorization.get(0));
    if (token == null) {
      return Future.succeededFuture(new Verdict.Reject(Reason.UNAUTHORIZED, "a bearer token is required",
          MultiMap.caseInsensitiveMultiMap().set(WWW_AUTHENTICATE, BEARER)));
    }
    if (hasCriticalExtension(token)) {
      // RFC 7515 §4.1.11: a token naming extensions in "crit" must be refused by whoever does not
      // implement them, and this middleware implements none.
      return refuse("invalid_token", "the token requires header extensions (crit) this proxy does not support");
    }
    Future<User> verified;
    try {
      verified = jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      // The library throws on some malformed claims (a non-numeric exp) instead of failing the future.
      verified = Future.failedFuture(e);
    }
    return verified.transform(ar -> {
      if (ar.failed()) {
        log.debug("{}: token refused on {}: {}", name, exchange.request().path(), ar.cause().toString());
        return refuse("invalid_token", "the token is malformed or its signature is invalid");
      }
      return check(exchange, ar.result().attributes().getJsonObject("accessToken"));
    });
  }

  /** Claims of a token whose signature holds: times, then the subject to forward. */
  private Future<Verdict> check(Exchange exchange, JsonObject claims) {
    if (claims == null) {
      return refuse("invalid_token", "the token has no claims");
    }
    long now = epochSeconds.getAsLong();
    Object exp = claims.getValue("exp");
    Object nbf = claims.getValue("nbf");
    if (exp != null && !(exp instanceof Number) || nbf != null && !(nbf instanceof Number)) {
      return refuse("invalid_token", "exp and nbf must be numeric dates");
    }
    if (exp == null && requireExp) {
      return refuse("invalid_token", "the token has no exp claim");
    }
    if (issuer.isPresent() && !issuer.get().equals(claims.getValue("iss"))) {
      return refuse("invalid_token", claims.containsKey("iss") ? "the token's issuer (iss) is not accepted"
          : "the token has no iss claim");
    }
    if (audience.isPresent() && !hasAudience(claims.getValue("aud"), audience.get())) {
      return refuse("invalid_token", claims.containsKey("aud") ? "the token is not meant for this audience (aud)"
          : "the token has no aud claim");
    }
    if (exp != null && now >= ((Number) exp).longValue() + CLOCK_SKEW_SECS) {
      return refuse("invalid_token", "the token has expired");
    }
    if (nbf != null && now + CLOCK_SKEW_SECS < ((Number) nbf).longValue()) {
      return refuse("invalid_token", "the token is not valid yet (nbf)");
    }
    Object sub = claims.getValue("sub");
    if (sub instanceof String subject) {
      if (!isHeaderSafe(subject)) {
        return refuse("invalid_token", "the sub claim is not printable ASCII, so it cannot be forwarded as X-Auth-Subject");
      }
      exchange.setUpstreamHeader(SUBJECT.toString(), subject);
      exchange.authSubject(subject);
    }
    return Middlewares.GO_ON;
  }

  /** RFC 7519 §4.1.3: {@code aud} is one string or an array of strings; one of them must be {@code expected}. */
  private static boolean hasAudience(Object aud, String expected) {
    if (aud instanceof String one) {
      return one.equals(expected);
    }
    if (aud instanceof JsonArray many) {
      for (Object a : many) {
        if (expected.equals(a)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether the token's JOSE header has a {@code crit} parameter. A header that cannot be read is left
   * to the verifier, which refuses it.
   */
  static boolean hasCriticalExtension(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    try {
      byte[] header = Base64.getUrlDecoder().decode(token.substring(0, dot));
      return new JsonObject(Buffer.buffer(header)).containsKey("crit");
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The token of {@code Bearer <token>} (scheme case-insensitive), or null for another scheme. */
  private static String bearerToken(String header) {
    String h = header.trim();
    if (h.length() <= BEARER.length() || !h.regionMatches(true, 0, BEARER, 0, BEARER.length())
        || h.charAt(BEARER.length()) != ' ') {
      return null;
    }
    String token = h.substring(BEARER.length() + 1).trim();
    return token.isEmpty() ? null : token;
  }

  /** Printable ASCII (and tab): what a header value carries unchanged to every upstream. */
  private static boolean isHeaderSafe(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 && c != '\t' || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private Future<Verdict> refuse(String error, String description) {
    return Future.succeededFuture(new Verdict.Reject(Reason.UNAUTHORIZED, description,
        MultiMap.caseInsensitiveMultiMap().set(WWW_AUTHENTICATE,
            BEARER + " error=\"" + error + "\", error_description=\"" + description + "\"")));
  }
}
