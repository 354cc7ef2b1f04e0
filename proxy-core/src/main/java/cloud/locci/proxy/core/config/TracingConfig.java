package cloud.locci.proxy.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code tracing} section (SPEC §13): OpenTelemetry spans exported by OTLP over HTTP. Every key can
 * change on reload.
 *
 * @param enabled whether requests are traced at all (default false: no OpenTelemetry class is loaded)
 * @param otlpEndpoint the collector's OTLP/HTTP traces URL, used exactly as written
 *     (default {@value #DEFAULT_ENDPOINT})
 * @param sampleRatio the share of new traces (requests without a {@code traceparent}) that are
 *     recorded and exported, 0 to 1 (default 1); a continued trace follows its parent's decision
 * @param serviceName the {@code service.name} resource attribute of every span (default {@value #DEFAULT_SERVICE})
 */
public record TracingConfig(boolean enabled, String otlpEndpoint, double sampleRatio, String serviceName) {

  public static final String DEFAULT_ENDPOINT = "http://localhost:4318/v1/traces";
  public static final String DEFAULT_SERVICE = "locci-proxy";
  public static final double DEFAULT_SAMPLE_RATIO = 1.0;
  /** Longer names are refused: they travel in every export. */
  static final int MAX_SERVICE_NAME = 255;

  public TracingConfig {
    Objects.requireNonNull(otlpEndpoint, "otlpEndpoint");
    Objects.requireNonNull(serviceName, "serviceName");
    if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
      throw new IllegalArgumentException("sampleRatio must be within [0, 1], got " + sampleRatio);
    }
  }

  public static TracingConfig defaults() {
    return new TracingConfig(false, DEFAULT_ENDPOINT, DEFAULT_SAMPLE_RATIO, DEFAULT_SERVICE);
  }

  /**
   * Why {@code endpoint} is not a usable OTLP/HTTP URL, or empty when it is: an absolute {@code http}
   * or {@code https} URL with a host, an explicit port and a path, and no user info, query or fragment.
   */
  public static Optional<String> endpointProblem(String endpoint) {
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (URISyntaxException e) {
      return Optional.of("not a URL (" + e.getReason() + "): \"" + endpoint + "\"");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("must start with http:// or https://, got \"" + endpoint + "\"");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return Optional.of("has no host (or an invalid one): \"" + endpoint + "\"");
    }
    if (uri.getPort() < 1 || uri.getPort() > 65535) {
      return Optional.of("must name its port (OTLP/HTTP listens on 4318), e.g. \"" + scheme + "://"
          + uri.getHost() + ":4318/v1/traces\"");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return Optional.of("must not contain user info, a query or a fragment: \"" + endpoint + "\"");
    }
    if (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")) {
      return Optional.of("needs the traces path, usually /v1/traces: \"" + endpoint + "\"");
    }
    return Optional.empty();
  }

  /** Why {@code name} is not a usable service name, or empty. */
  public static Optional<String> serviceNameProblem(String name) {
    if (name.isBlank()) {
      return Optional.of("must not be empty");
    }
    if (name.length() > MAX_SERVICE_NAME) {
      return Optional.of("must be at most " + MAX_SERVICE_NAME + " characters, got " + name.length());
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        return Optional.of("must not contain control characters");
      }
    }
    return Optional.empty();
  }
}
