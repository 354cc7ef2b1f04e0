package cloud.locci.proxy.core.config;

import java.util.Locale;

/**
 * How the proxy talks to the servers of one upstream (SPEC §12, {@code upstreams.<name>.protocol}):
 * the key of a connection pool together with the address and TLS settings.
 */
public enum UpstreamProtocol {
  /** HTTP/1.1, one request at a time per connection (the default). */
  HTTP1("http1"),
  /** HTTP/2 over cleartext TCP with prior knowledge. */
  H2C("h2c"),
  /** HTTP/2 over TLS, negotiated by ALPN. */
  H2("h2");

  private final String word;

  UpstreamProtocol(String word) {
    this.word = word;
  }

  /** The word used in config, metrics ({@code upstream_protocol}) and the access log. */
  public String word() {
    return word;
  }

  /** Whether one connection carries many exchanges at once (streams). */
  public boolean multiplexed() {
    return this != HTTP1;
  }

  /** The protocol named {@code word} ({@code http1}, {@code h2c}, {@code h2}), case-insensitive; null if none. */
  public static UpstreamProtocol of(String word) {
    String w = word == null ? "" : word.trim().toLowerCase(Locale.ROOT);
    for (UpstreamProtocol p : values()) {
      if (p.word.equals(w)) {
        return p;
      }
    }
    return null;
  }
}
