package cloud.locci.proxy.core.config;

import java.util.Arrays;
import java.util.Optional;

/** The two mutually exclusive ways the proxy runs, named as in the YAML {@code mode} key. */
public enum Mode {
  /** Every request goes to the next healthy server of {@code load_balancer.upstream}. */
  LOAD_BALANCER("load_balancer", "lb"),
  /** Requests are routed by host, path and method to the upstream of the winning route. */
  API_GATEWAY("api_gateway", "gateway");

  private final String yamlName;
  private final String shortName;

  Mode(String yamlName, String shortName) {
    this.yamlName = yamlName;
    this.shortName = shortName;
  }

  /** The name used in the config file and in the control API ({@code load_balancer}, {@code api_gateway}). */
  public String yamlName() {
    return yamlName;
  }

  /** The name used by the {@code --mode} flag ({@code lb}, {@code gateway}). */
  public String shortName() {
    return shortName;
  }

  /** Parses either the YAML name or the CLI short name; empty when it is neither. */
  public static Optional<Mode> parse(String text) {
    return Arrays.stream(values())
        .filter(m -> m.yamlName.equals(text) || m.shortName.equals(text))
        .findFirst();
  }
}
