package cloud.locci.proxy.examples;

import java.util.regex.Pattern;

/**
 * What one demo upstream instance should be: its id, the address it listens on and its data file.
 *
 * @param id       the instance id reported by {@code GET /instance} and the {@code X-Upstream-Id} header, or
 *                 {@code null} for {@code "server-<actual port>"}
 * @param host     the host or IP address to bind, e.g. {@code 127.0.0.1}
 * @param port     the port to bind, 0 for any free port
 * @param dataFile path of the json-server style data file, relative to the working directory or absolute
 */
public record InstanceSpec(String id, String host, int port, String dataFile) {

  /** The host {@link #of} binds: loopback, because the demo upstreams only serve a local proxy. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  // The id travels in a response header, so it is kept to characters that are safe there and in logs.
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]+");

  /**
   * Checks the values.
   *
   * @throws IllegalArgumentException with a message fit for a user when the id has characters other than
   *                                  letters, digits, '.', '_' and '-', the host or data file is blank, or the
   *                                  port is outside 0-65535
   */
  public InstanceSpec {
    if (id != null && !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "id must use only letters, digits, '.', '_' or '-', got '" + id + "'");
    }
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be from 0 to 65535, got " + port);
    }
    if (dataFile == null || dataFile.isBlank()) {
      throw new IllegalArgumentException("data file must not be empty");
    }
  }

  /**
   * Describes an instance bound to {@link #DEFAULT_HOST}.
   *
   * @param id       the instance id, or {@code null} for {@code "server-<actual port>"}
   * @param port     the port, 0 for any free port
   * @param dataFile the data file path
   * @return the spec
   * @throws IllegalArgumentException as the canonical constructor
   */
  public static InstanceSpec of(String id, int port, String dataFile) {
    return new InstanceSpec(id, DEFAULT_HOST, port, dataFile);
  }
}
