package cloud.locci.proxy.core.config;

import java.util.Optional;

/**
 * The {@code control_api} section.
 *
 * @param enabled whether the control API listens at all (default true)
 * @param bindAddress its own listener ({@code 127.0.0.1:8485} by default: not reachable from other hosts
 *     unless the operator says so)
 * @param apiKey when present, every endpoint requires it as a Bearer token or {@code X-API-Key}
 */
public record ControlApiConfig(boolean enabled, ServerAddress bindAddress, Optional<String> apiKey) {

  public static final ServerAddress DEFAULT_BIND = new ServerAddress("127.0.0.1", 8485);

  public static ControlApiConfig defaults() {
    return new ControlApiConfig(true, DEFAULT_BIND, Optional.empty());
  }
}
