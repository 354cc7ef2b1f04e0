package cloud.locci.proxy.core.config;

import java.util.Objects;

/**
 * A {@code host:port} pair without a scheme, as written in the config ({@code "10.0.0.1:3000"},
 * {@code "api.internal:8080"}, {@code "[::1]:8080"}).
 */
public record ServerAddress(String host, int port) {

  public ServerAddress {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("empty host");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is outside 0-65535");
    }
  }

  /**
   * Parses {@code host:port}. Fails with a message a user can act on when there is a scheme, no port,
   * or a port that is not a number in 1-65535.
   */
  public static ServerAddress parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty address; expected host:port");
    }
    String s = text.trim();
    int schemeAt = s.indexOf("://");
    if (schemeAt >= 0) {
      throw new IllegalArgumentException("\"" + text + "\" has a scheme; write host:port without \""
          + s.substring(0, schemeAt + 3) + "\", e.g. \"" + s.substring(schemeAt + 3) + "\"");
    }
    if (s.indexOf('/') >= 0) {
      throw new IllegalArgumentException("\"" + text + "\" contains a path; expected host:port");
    }
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("\"" + text + "\" has no port; expected [ipv6]:port");
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("\"" + text + "\" has no port; expected host:port, e.g. \"" + s + ":8080\"");
      }
      if (s.indexOf(':') != colon) {
        throw new IllegalArgumentException("\"" + text + "\": write IPv6 addresses as [address]:port");
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("\"" + text + "\" has no host; expected host:port");
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + text + "\": port \"" + port + "\" is not a number");
    }
    // Port 0 is allowed here (a listener on an ephemeral port); the validator refuses it for upstream servers.
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("\"" + text + "\": port " + p + " is outside 0-65535");
    }
    return new ServerAddress(host, p);
  }

  /** {@code host:port}, with IPv6 hosts in brackets: the same text {@link #parse} accepts. */
  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
