package cloud.locci.proxy.core.health;

import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.HealthCheckConfig;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How the servers of one upstream group are checked: its {@code health_check} section and the TLS
 * settings an HTTP check uses. Two equal specs check the same way, so a server keeps its state (and its
 * counters) across a config change that leaves its group's spec equal.
 */
record CheckSpec(HealthCheckConfig check, TlsSettings tls) {

  /**
   * The TLS side of an HTTP check, also the key of the HTTP client that runs it.
   *
   * @param enabled {@code tls: true} on the group
   * @param sni {@code sni}: the name sent and verified; empty means the address's host
   * @param verify {@code tls_verify}
   * @param caPath {@code ca_path}; empty means the JVM's trust store
   * @param http2 the group's {@code protocol} is {@code h2c} or {@code h2}: an HTTP check speaks HTTP/2
   *     (prior knowledge in cleartext, ALPN h2 with TLS), as the proxied requests do
   */
  record TlsSettings(boolean enabled, Optional<String> sni, boolean verify, Optional<String> caPath,
      boolean http2) {
    static final TlsSettings PLAIN = new TlsSettings(false, Optional.empty(), true, Optional.empty(), false);
  }

  /** The spec of {@code upstream}; empty when it has no {@code health_check}. */
  static Optional<CheckSpec> of(UpstreamConfig upstream) {
    boolean http2 = upstream.protocol().multiplexed();
    TlsSettings tls = upstream.tls()
        ? new TlsSettings(true, upstream.sni(), upstream.tlsVerify(), upstream.caPath(), http2)
        : http2 ? new TlsSettings(false, Optional.empty(), true, Optional.empty(), true) : TlsSettings.PLAIN;
    return upstream.healthCheck().map(h -> new CheckSpec(h, tls));
  }

  long intervalMs() {
    return TimeUnit.SECONDS.toMillis(check.intervalSecs());
  }

  long timeoutMs() {
    return TimeUnit.SECONDS.toMillis(check.timeoutSecs());
  }

  /** What one check does, in words: {@code GET /health} or {@code TCP connect}. */
  String describe() {
    return check.path().map(p -> (tls.enabled() ? "HTTPS GET " : "GET ") + p + (tls.http2() ? " (HTTP/2)" : ""))
        .orElse("TCP connect");
  }
}
