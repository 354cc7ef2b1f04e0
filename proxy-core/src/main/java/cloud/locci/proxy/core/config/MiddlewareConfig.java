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
    permits MiddlewareConfig.RateLimiting, MiddlewareConfig.Authentication, MiddlewareConfig.Cors {

  /** The instance name routes refer to. */
  String name();

  /** The {@code type} string: {@code rate_limiting}, {@code authentication} or {@code cors}. */
  String type();

  List<String> TYPES = List.of("rate_limiting", "authentication", "cors");

  /**
   * Token bucket per key.
   *
   * @param requestsPerMinute refill rate
   * @param burstSize bucket capacity (default: requestsPerMinute)
   * @param keyHeader header whose value is the key; the client address when absent
   * @param scope {@code local}: each node has the whole budget; {@code cluster}: the budget is shared by the
   *     live nodes of the cluster, each enforcing its part (SPEC §9)
   */
  record RateLimiting(String name, int requestsPerMinute, int burstSize, Optional<String> keyHeader,
      RateLimitScope scope) implements MiddlewareConfig {
    public RateLimiting {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(scope, "scope");
    }

    /** A node-local limit. */
    public RateLimiting(String name, int requestsPerMinute, int burstSize, Optional<String> keyHeader) {
      this(name, requestsPerMinute, burstSize, keyHeader, RateLimitScope.LOCAL);
    }

    @Override
    public String type() {
      return "rate_limiting";
    }
  }

  /**
   * JWT bearer authentication.
   *
   * @param jwtSecret HS256 secret; one of jwtSecret and publicKeyPath is required
   * @param publicKeyPath PEM public key (RSA for RS256, EC for ES256)
   * @param excludedPaths paths that need no token: exact, or a prefix when the entry ends in {@code /*}
   */
  record Authentication(String name, Optional<String> jwtSecret, Optional<String> publicKeyPath,
      List<String> excludedPaths) implements MiddlewareConfig {
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
}
