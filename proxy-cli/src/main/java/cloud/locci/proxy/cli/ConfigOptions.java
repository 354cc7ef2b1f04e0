package cloud.locci.proxy.cli;

import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.Environment;
import cloud.locci.proxy.core.config.Mode;
import cloud.locci.proxy.core.config.ServerAddress;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The flags that choose and override a configuration, shared by {@code start} (and the bare command)
 * and {@code validate}. Each flag wins over the environment, which wins over the file (SPEC §2).
 */
final class ConfigOptions {

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "config.yaml",
      description = "YAML configuration file (default: ${DEFAULT-VALUE}).")
  Path config;

  @Option(names = "--mode", paramLabel = "MODE",
      description = "Override the file's mode: lb (load_balancer) or gateway (api_gateway).")
  String mode;

  @Option(names = "--bind", paramLabel = "HOST:PORT",
      description = "Override server.bind_address, e.g. 0.0.0.0:8080.")
  String bind;

  @Option(names = "--instances", paramLabel = "N",
      description = "Proxy verticle instances, one per event loop (alias of server.workers; default: CPU cores).")
  Integer instances;

  @Option(names = "--cluster",
      description = "Join the cluster the config's cluster section describes (same as cluster.enabled: true).")
  boolean cluster;

  @Option(names = "--log-level", paramLabel = "SPEC",
      description = "Log level, e.g. debug or cloud.locci=debug,io.netty=warn (wins over LOCCI_LOG and RUST_LOG).")
  String logLevel;

  /** The overrides these flags and {@code env} give; a malformed flag is a usage error (exit 2). */
  ConfigOverrides overrides(Environment env) {
    Optional<Mode> m = Optional.empty();
    if (mode != null) {
      m = Optional.of(Mode.parse(mode).orElseThrow(() -> new CommandFailure(ExitCodes.USAGE,
          "--mode: unknown mode \"" + mode + "\"; expected lb or gateway")));
    }
    Optional<ServerAddress> b = Optional.empty();
    if (bind != null) {
      try {
        b = Optional.of(ServerAddress.parse(bind));
      } catch (IllegalArgumentException e) {
        throw new CommandFailure(ExitCodes.USAGE, "--bind: " + e.getMessage());
      }
    }
    if (instances != null && (instances < 1 || instances > 1024)) {
      throw new CommandFailure(ExitCodes.USAGE, "--instances: must be between 1 and 1024, got " + instances);
    }
    Optional<String> level = Optional.ofNullable(logLevel).or(env::logLevel);
    return new ConfigOverrides(m, b, Optional.ofNullable(instances), level);
  }
}
