package cloud.locci.proxy.core.config;

import java.util.Optional;

/**
 * Values that win over the file: command-line flags, then the environment. Empty means "not given".
 *
 * @param mode {@code --mode}
 * @param bind {@code --bind}
 * @param instances {@code --instances} (alias of {@code server.workers})
 * @param logLevel {@code --log-level}, else {@code LOCCI_LOG}, else {@code RUST_LOG}
 */
public record ConfigOverrides(Optional<Mode> mode, Optional<ServerAddress> bind, Optional<Integer> instances,
    Optional<String> logLevel) {

  public static ConfigOverrides none() {
    return new ConfigOverrides(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Applies every given value to {@code config}. */
  public ProxyConfig applyTo(ProxyConfig config) {
    ProxyConfig c = config;
    if (mode.isPresent()) {
      c = c.withMode(mode.get());
    }
    if (bind.isPresent()) {
      c = c.withServer(c.server().withBindAddress(bind.get()));
    }
    if (instances.isPresent()) {
      c = c.withServer(c.server().withWorkers(instances.get()));
    }
    if (logLevel.isPresent()) {
      c = c.withLogging(c.logging().withLevel(logLevel.get()));
    }
    return c;
  }
}
