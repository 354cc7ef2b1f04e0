package cloud.locci.proxy.core.bus;

import cloud.locci.proxy.core.config.ProxyConfig;
import java.util.Objects;

/**
 * One version of the running configuration. Versions start at 1 and grow by one with every accepted
 * change (reload or control-API mutation); proxies ignore a version older than the one they serve.
 */
public record VersionedConfig(long version, ProxyConfig config) {
  public VersionedConfig {
    Objects.requireNonNull(config, "config");
  }
}
