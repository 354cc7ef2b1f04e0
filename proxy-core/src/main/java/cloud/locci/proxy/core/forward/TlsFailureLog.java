package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.upstream.Backend;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A failed TLS handshake with an upstream is a configuration problem an operator must see (unknown CA,
 * wrong name), but it repeats on every request: one warning per server per minute, the rest at debug.
 */
final class TlsFailureLog {

  private static final Logger log = LoggerFactory.getLogger(TlsFailureLog.class);
  private static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final ConcurrentHashMap<String, Long> lastWarned = new ConcurrentHashMap<>();

  private TlsFailureLog() {}

  static void report(String upstream, Backend backend, Throwable cause) {
    String key = upstream + "/" + backend.address();
    long now = System.nanoTime();
    Long last = lastWarned.get(key);
    if (last == null || now - last > QUIET_NANOS) {
      lastWarned.put(key, now);
      log.warn("TLS handshake with {} (upstream {}) failed, answering 502 upstream_tls: {} "
          + "(check tls_verify, ca_path and sni; repeats of this are logged at debug for a minute)",
          backend.address(), upstream, rootMessage(cause));
    } else {
      log.debug("TLS handshake with {} (upstream {}) failed: {}", backend.address(), upstream, rootMessage(cause));
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
