package cloud.locci.proxy.core.bus;

import cloud.locci.proxy.core.config.ConfigDiff;
import cloud.locci.proxy.core.config.ConfigError;
import java.util.List;
import java.util.Objects;

/**
 * What one reload of the config file did: the reply to {@link Addresses#CONFIG_RELOAD}, also published
 * on {@link Addresses#CONFIG_RELOADED} (metrics count it).
 *
 * @param version the version current after the reload (unchanged when the file was refused or equal)
 * @param diff what changed; empty when refused
 * @param errors why the file was refused; empty when it was accepted
 * @param restartRequired keys that changed in the file but take effect only after a restart
 */
public record ReloadOutcome(long version, ConfigDiff diff, List<ConfigError> errors, List<String> restartRequired) {

  public ReloadOutcome {
    Objects.requireNonNull(diff, "diff");
    errors = List.copyOf(errors);
    restartRequired = List.copyOf(restartRequired);
  }

  /** True when the file was valid and is now what runs. */
  public boolean succeeded() {
    return errors.isEmpty();
  }
}
