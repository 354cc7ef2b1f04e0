package cloud.locci.proxy.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A named middleware instance, declared under {@code api_gateway.middlewares} or the top-level
 * {@code middlewares} map. The keys {@code rate_limiting}, {@code authentication} and {@code cors} are
 * instances of the type of the same name; any other key needs {@code type:}.
 */
public sealed interface MiddlewareConfig
    permits MiddlewareConfig.RateLimiting, MiddlewareConfig.Authentication, MiddlewareConfig.Cors,
        MiddlewareConfig.IpFilter, MiddlewareConfig.Compression {

  /** The instance name routes refer to. */
  String name();

  /** The {@code type} string: one of {@link #TYPES}. */
  String type();

  List<String> TYPES = List.of("rate_limiting", "authentication", "cors", "ip_filter", "compression");

  /**
   * Token bucket per key.
   *
   * @param requestsPerMinute refill rate
   * @param burstSize bucket capacity (default: requestsPerMinute)
   * @param key what identifies a client ({@code key}, or {@code key_header} as {@code header:NAME})
   * @param scope {@code local}: each node has the whole budget; {@code cluster}: the budget is shared by the
   *     live nodes of the cluster, each enforcing its part (SPEC §9)
   */
  record RateLimiting(String name, int requestsPerMinute, int burstSize, RateKey key, RateLimitScope scope)
      implements MiddlewareConfig {
    public RateLimiting {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(scope, "scope");
    }

    /** A node-local limit. */
    public RateLimiting(String name, int requestsPerMinute, int burstSize, RateKey key) {
      this(name, requestsPerMinute, burstSize, key, RateLimitScope.LOCAL);
    }

    @Override
    public String type() {
      return "rate_limiting";
    }
  }

  /**
   * What a rate-limiting middleware counts requests by: {@code client_ip} (the TCP peer, IPv6 by its
   * /64), {@code header:NAME} (a value the client chooses) or {@code jwt_sub} (the subject an
   * authentication middleware earlier in the chain verified). {@link #toString()} is the YAML spelling.
   */
  sealed interface RateKey permits RateKey.ClientIp, RateKey.Header, RateKey.JwtSub {

    /** The client's address. */
    record ClientIp() implements RateKey {
      @Override
      public String toString() {
        return "client_ip";
      }
    }

    /** The value of the request header {@code name}; requests without it are counted by address. */
    record Header(String name) implements RateKey {
      public Header {
        Objects.requireNonNull(name, "name");
      }

      @Override
      public String toString() {
        return "header:" + name;
      }
    }

    /** The verified JWT subject; requests without one are counted by address. */
    record JwtSub() implements RateKey {
      @Override
      public String toString() {
        return "jwt_sub";
      }
    }

    /** Reads {@code client_ip}, {@code jwt_sub} or {@code header:NAME} (NAME a header token); empty otherwise. */
    static Optional<RateKey> parse(String s) {
      if (s.equals("client_ip")) {
        return Optional.of(new ClientIp());
      }
      if (s.equals("jwt_sub")) {
        return Optional.of(new JwtSub());
      }
      if (s.startsWith("header:") && isHeaderName(s.substring("header:".length()))) {
        return Optional.of(new Header(s.substring("header:".length())));
      }
      return Optional.empty();
    }

    /** An RFC 9110 token: what a header name may be. */
    static boolean isHeaderName(String name) {
      if (name.isEmpty()) {
        return false;
      }
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
            || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * JWT bearer authentication.
   *
   * @param jwtSecret HS256 secret; one of jwtSecret and publicKeyPath is required
   * @param publicKeyPath PEM public key (RSA for RS256, EC for ES256)
   * @param excludedPaths paths that need no token: exact, or a prefix when the entry ends in {@code /*}
   * @param audience when set, the token's {@code aud} (a string or an array) must contain it
   * @param issuer when set, the token's {@code iss} must equal it
   * @param requireExp whether a token without {@code exp} is refused (default true)
   */
  record Authentication(String name, Optional<String> jwtSecret, Optional<String> publicKeyPath,
      List<String> excludedPaths, Optional<String> audience, Optional<String> issuer, boolean requireExp)
      implements MiddlewareConfig {
    public Authentication {
      Objects.requireNonNull(name, "name");
      excludedPaths = List.copyOf(excludedPaths);
    }

    @Override
    public String type() {
      return "authentication";
    }
  }

  /**
   * Cross-origin resource sharing.
   *
   * @param allowedOrigins {@code *} or exact origins
   * @param allowedMethods methods a preflight may ask for
   * @param allowedHeaders headers a preflight may ask for; {@code *} allows any
   * @param allowCredentials send {@code Access-Control-Allow-Credentials: true}
   * @param maxAgeSecs how long a browser may cache a preflight answer; empty sends no header
   * @param exposeHeaders response headers a page may read
   */
  record Cors(String name, List<String> allowedOrigins, List<String> allowedMethods,
      List<String> allowedHeaders, boolean allowCredentials, Optional<Integer> maxAgeSecs,
      List<String> exposeHeaders) implements MiddlewareConfig {
    public Cors {
      Objects.requireNonNull(name, "name");
      allowedOrigins = List.copyOf(allowedOrigins);
      allowedMethods = List.copyOf(allowedMethods);
      allowedHeaders = List.copyOf(allowedHeaders);
      exposeHeaders = List.copyOf(exposeHeaders);
    }

    @Override
    public String type() {
      return "cors";
    }
  }

  /**
   * Admits or refuses a request by the client's address (SPEC §11): 403 {@code ip_denied}.
   *
   * @param allow when not empty, only addresses in one of these blocks are admitted
   * @param deny addresses in one of these blocks are refused, whatever {@code allow} says
   * @param trustedProxies peers whose {@code X-Forwarded-For} is believed: the rightmost entry not in
   *     these blocks stands in for the client; empty means the TCP peer is the client
   */
  record IpFilter(String name, List<Cidr> allow, List<Cidr> deny, List<Cidr> trustedProxies)
      implements MiddlewareConfig {
    public IpFilter {
      Objects.requireNonNull(name, "name");
      allow = List.copyOf(allow);
      deny = List.copyOf(deny);
      trustedProxies = List.copyOf(trustedProxies);
    }

    @Override
    public String type() {
      return "ip_filter";
    }
  }

  /**
   * Gzip of upstream responses for clients that accept it (SPEC §11), streamed.
   *
   * @param minBytes responses with a smaller {@code Content-Length} go unchanged (default 1024); a response
   *     without one (chunked) is compressed whatever its size
   * @param types media types compressed, lower case: exact ({@code application/json}) or a whole family
   *     ({@code text/*})
   */
  record Compression(String name, int minBytes, List<String> types) implements MiddlewareConfig {

    public static final int DEFAULT_MIN_BYTES = 1024;
    public static final List<String> DEFAULT_TYPES =
        List.of("text/*", "application/json", "application/javascript", "image/svg+xml");

    public Compression {
      Objects.requireNonNull(name, "name");
      types = List.copyOf(types);
    }

    @Override
    public String type() {
      return "compression";
    }
  }
}
