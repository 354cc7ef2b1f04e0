package cloud.locci.proxy.core.acme;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The newest {@link CertificateSet} and the status of every ACME domain, process-wide, set by the
 * certificate store: a proxy instance that starts (or re-binds) after an event takes the set from here,
 * and the control API reads the status without waiting for a store that may be busy with a CA.
 */
public final class CurrentCertificates implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "current-certificates";

  private final AtomicReference<CertificateSet> set = new AtomicReference<>();
  private final AtomicReference<List<DomainStatus>> status = new AtomicReference<>(List.of());

  private CurrentCertificates() {}

  /** The holder of {@code vertx}'s process, created on first use. */
  public static CurrentCertificates of(Vertx vertx) {
    LocalMap<String, CurrentCertificates> map = vertx.sharedData().getLocalMap(MAP);
    CurrentCertificates fresh = new CurrentCertificates();
    CurrentCertificates existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** The newest set; null while no certificate store has started. */
  public CertificateSet get() {
    return set.get();
  }

  /** Every ACME domain's status, in the configured order; empty without ACME. */
  public List<DomainStatus> status() {
    return status.get();
  }

  void set(CertificateSet s) {
    set.set(s);
  }

  void status(List<DomainStatus> s) {
    status.set(List.copyOf(s));
  }
}
