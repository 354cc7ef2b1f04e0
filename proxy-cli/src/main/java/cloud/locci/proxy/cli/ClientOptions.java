package cloud.locci.proxy.cli;

import cloud.locci.proxy.core.config.Environment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import picocli.CommandLine.Option;

/**
 * Where the client commands find the control API and which key they present (SPEC §2): {@code --control}
 * defaults to {@code http://<control_api.bind_address>} of {@code -c FILE} when that file exists, else
 * {@code http://127.0.0.1:8485}; {@code --api-key} defaults to {@code LOCCI_API_KEY}, then to the
 * file's {@code control_api.api_key}.
 */
final class ClientOptions {

  static final String DEFAULT_CONTROL = "http://127.0.0.1:8485";

  @Option(names = "--control", paramLabel = "URL",
      description = "Control API base URL (default: http://<control_api.bind_address> of --config when the file"
          + " exists, else " + DEFAULT_CONTROL + ").")
  String control;

  @Option(names = "--api-key", paramLabel = "KEY",
      description = "API key (default: LOCCI_API_KEY, then control_api.api_key of --config).")
  String apiKey;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "config.yaml",
      description = "Config file to read the control API's address and key from (default: ${DEFAULT-VALUE}).")
  Path config;

  /** The client these options describe. */
  ControlClient client() {
    String base = control != null ? control : controlSection(true).flatMap(ClientOptions::address).orElse(DEFAULT_CONTROL);
    return connect(base, apiKey, () -> controlSection(false).map(m -> m.get("api_key"))
        .filter(String.class::isInstance).map(String.class::cast));
  }

  /**
   * A client of the control API at {@code base} ({@code http://} added when there is no scheme),
   * presenting {@code apiKey}, else {@code LOCCI_API_KEY}, else {@code fallbackKey}.
   */
  static ControlClient connect(String base, String apiKey, Supplier<Optional<String>> fallbackKey) {
    if (!base.contains("://")) {
      base = "http://" + base;
    }
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    Optional<String> key = Optional.ofNullable(apiKey).filter(k -> !k.isEmpty())
        .or(() -> environment().get("LOCCI_API_KEY"))
        .or(fallbackKey);
    return new ControlClient(base, key);
  }

  private static Environment environment() {
    try {
      return Environment.load(Path.of(""));
    } catch (IOException e) {
      throw new CommandFailure(ExitCodes.USAGE, "cannot read .env: " + e.getMessage());
    }
  }

  /**
   * The file's {@code control_api} map; empty when the file or the section does not exist, or when the
   * file cannot be parsed and it is not {@code required} (then it is a usage error, exit 2).
   */
  private Optional<Map<?, ?>> controlSection(boolean required) {
    if (config == null || !Files.isRegularFile(config)) {
      return Optional.empty();
    }
    Object doc;
    try {
      doc = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(config, StandardCharsets.UTF_8));
    } catch (IOException | YamlEngineException e) {
      if (!required) {
        return Optional.empty();
      }
      throw new CommandFailure(ExitCodes.USAGE, "cannot read control_api.bind_address from " + config + ": "
          + String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim() + " (or pass --control URL)");
    }
    if (doc instanceof Map<?, ?> root && root.get("control_api") instanceof Map<?, ?> section) {
      return Optional.of(section);
    }
    return Optional.empty();
  }

  /** {@code http://host:port} for a bind address; a wildcard host is reached on loopback. */
  private static Optional<String> address(Map<?, ?> section) {
    if (!(section.get("bind_address") instanceof String bind) || bind.isBlank()) {
      return Optional.empty();
    }
    String b = bind.trim();
    if (b.startsWith("0.0.0.0:")) {
      b = "127.0.0.1" + b.substring("0.0.0.0".length());
    } else if (b.startsWith("[::]:")) {
      b = "[::1]" + b.substring("[::]".length());
    }
    return Optional.of("http://" + b);
  }
}
