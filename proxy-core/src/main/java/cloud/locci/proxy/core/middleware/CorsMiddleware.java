package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.HeaderRules;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cors}: cross-origin resource sharing (Fetch standard).
 *
 * <p>A preflight ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}) is
 * answered here with 204 and never reaches the upstream. When the origin, the method and every
 * requested header are allowed, the answer carries {@code Access-Control-Allow-Origin},
 * {@code -Allow-Methods}, {@code -Allow-Headers}, {@code -Allow-Credentials} and {@code -Max-Age};
 * otherwise it is a 204 without them, which the browser reads as a refusal (as Traefik and rs/cors do;
 * a 403 would say no more to the page and would need a reason word of its own). GET, HEAD and POST
 * always pass the method check, as browsers never ask about them.
 *
 * <p>Other requests with an allowed {@code Origin} go on, and their response (upstream's or the proxy's
 * own errors) gets {@code Access-Control-Allow-Origin}, {@code -Allow-Credentials} and
 * {@code -Expose-Headers}. The allowed origin is {@code *} when {@code allowed_origins} has {@code *}
 * and credentials are off; otherwise the request's origin is echoed, with {@code Vary: Origin} on every
 * response (also those without {@code Origin}), so a cache never serves one origin's answer to another.
 * With {@code allowed_headers: ["*"]} a preflight's requested headers are echoed, which browsers accept
 * with or without credentials. Requests from origins not allowed go on unchanged: CORS only decides what
 * a browser page may read.
 */
final class CorsMiddleware implements Middleware {

  private static final Logger log = LoggerFactory.getLogger(CorsMiddleware.class);
  private static final String PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
  private static final Set<String> SAFELISTED_METHODS = Set.of("GET", "HEAD", "POST");

  private final String name;
  private final boolean anyOrigin;
  private final Set<String> origins;
  private final boolean credentials;
  private final boolean echoOrigin;
  private final Set<String> methods;
  private final String allowMethods;
  private final boolean anyHeader;
  private final Set<String> headers;
  private final String allowHeaders;
  private final Optional<String> maxAge;
  private final Optional<String> expose;

  CorsMiddleware(MiddlewareConfig.Cors config) {
    this.name = config.name();
    this.anyOrigin = config.allowedOrigins().contains("*");
    this.origins = lowerCase(config.allowedOrigins());
    this.credentials = config.allowCredentials();
    // Browsers refuse "*" on credentialed requests, so those get their origin back.
    this.echoOrigin = !anyOrigin || credentials;
    this.methods = Set.copyOf(config.allowedMethods());
    this.allowMethods = String.join(", ", config.allowedMethods());
    this.anyHeader = config.allowedHeaders().contains("*");
    this.headers = lowerCase(config.allowedHeaders());
    this.allowHeaders = String.join(", ", config.allowedHeaders());
    this.maxAge = config.maxAgeSecs().map(String::valueOf);
    this.expose = config.exposeHeaders().isEmpty() ? Optional.empty()
        : Optional.of(String.join(", ", config.exposeHeaders()));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Verdict> onRequest(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    String requestedMethod = request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
    if (origin != null && requestedMethod != null && request.method() == HttpMethod.OPTIONS) {
      return Future.succeededFuture(preflight(origin, requestedMethod,
          request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS)));
    }
    MultiMap out = exchange.responseHeaders();
    if (echoOrigin) {
      HeaderRules.addVary(out, "Origin");
    }
    if (origin != null && originAllowed(origin)) {
      allowOrigin(out, origin);
      expose.ifPresent(e -> out.set(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, e));
    }
    return Middlewares.GO_ON;
  }

  private Verdict preflight(String origin, String method, String requestedHeaders) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    out.set(HttpHeaders.VARY, PREFLIGHT_VARY);
    if (!originAllowed(origin) || !methodAllowed(method) || !headersAllowed(requestedHeaders)) {
      log.debug("{}: preflight refused: origin {}, method {}, headers {}", name, origin, method, requestedHeaders);
      return new Verdict.Respond(204, out);
    }
    allowOrigin(out, origin);
    out.set(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, allowMethods);
    if (requestedHeaders != null && !requestedHeaders.isBlank()) {
      out.set(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, anyHeader ? requestedHeaders : allowHeaders);
    }
    maxAge.ifPresent(m -> out.set(HttpHeaders.ACCESS_CONTROL_MAX_AGE, m));
    return new Verdict.Respond(204, out);
  }

  private void allowOrigin(MultiMap out, String origin) {
    out.set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, echoOrigin ? origin : "*");
    if (credentials) {
      out.set(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
  }

  private boolean originAllowed(String origin) {
    if (credentials && origin.equalsIgnoreCase("null")) {
      // Any site can make its page send "Origin: null" (a sandboxed frame); the validator refuses it in
      // allowed_origins with credentials, and this keeps it out whatever the configuration.
      return false;
    }
    return anyOrigin || origins.contains(origin.toLowerCase(Locale.ROOT));
  }

  private boolean methodAllowed(String method) {
    String m = method.trim();
    return methods.contains(m) || SAFELISTED_METHODS.contains(m);
  }

  private boolean headersAllowed(String requested) {
    if (anyHeader || requested == null) {
      return true;
    }
    for (String h : requested.split(",")) {
      String header = h.trim().toLowerCase(Locale.ROOT);
      if (!header.isEmpty() && !headers.contains(header)) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> lowerCase(Iterable<String> values) {
    Set<String> out = new HashSet<>();
    values.forEach(v -> out.add(v.toLowerCase(Locale.ROOT)));
    return Set.copyOf(out);
  }
}
