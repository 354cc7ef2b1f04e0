package cloud.locci.proxy.core.bus;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The newest {@link VersionedConfig}, process-wide, set by the config verticle before it answers a
 * change or a reload. Proxy instances read it once per request (one volatile read) so that a request
 * sent after the control API answered is always served by that version or a newer one, even if the
 * {@link Addresses#CONFIG_CHANGED} event has not reached its event loop yet.
 */
public final class CurrentConfig implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "current-config";

  private final AtomicReference<VersionedConfig> latest = new AtomicReference<>();

  private CurrentConfig() {}

  /** The holder of {@code vertx}'s process, created on first use. */
  public static CurrentConfig of(Vertx vertx) {
    LocalMap<String, CurrentConfig> map = vertx.sharedData().getLocalMap(MAP);
    CurrentConfig fresh = new CurrentConfig();
    CurrentConfig existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** The newest version; null before the config verticle started. */
  public VersionedConfig get() {
    return latest.get();
  }

  /** Called by the config verticle only, with growing versions. */
  public void set(VersionedConfig c) {
    latest.set(c);
  }
}
