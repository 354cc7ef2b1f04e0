package cloud.locci.proxy.core.config;

import java.util.List;
import java.util.Optional;

/**
 * The {@code control_api} section.
 *
 * @param enabled whether the control API listens at all (default true)
 * @param bindAddress its own listener ({@code 127.0.0.1:8485} by default: not reachable from other hosts
 *     unless the operator says so)
 * @param apiKey when present, every endpoint requires it as a Bearer token or {@code X-API-Key}
 * @param allowedOrigins browser origins ({@code scheme://host[:port]}) allowed besides the listener's
 *     own; a request with any other {@code Origin} is 403
 * @param allowedHosts host names a request's {@code Host} may carry besides the bind address and the
 *     loopback names; any other is 421 (DNS-rebinding defence)
 */
public record ControlApiConfig(boolean enabled, ServerAddress bindAddress, Optional<String> apiKey,
    List<String> allowedOrigins, List<String> allowedHosts) {

  public static final ServerAddress DEFAULT_BIND = new ServerAddress("127.0.0.1", 8485);

  public ControlApiConfig {
    allowedOrigins = List.copyOf(allowedOrigins);
    allowedHosts = List.copyOf(allowedHosts);
  }

  public static ControlApiConfig defaults() {
    return new ControlApiConfig(true, DEFAULT_BIND, Optional.empty(), List.of(), List.of());
  }
}
