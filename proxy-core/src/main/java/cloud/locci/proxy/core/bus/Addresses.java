package cloud.locci.proxy.core.bus;

/**
 * Every event-bus address of the process, in one place. Events are {@code noun.event} (published, any
 * number of listeners); requests are {@code noun.verb} (sent, one consumer, one reply). Payloads are the
 * immutable records of this package, sent with {@link LocalCodec} (same JVM only).
 */
public final class Addresses {

  private Addresses() {}

  /** Event: a new {@link VersionedConfig} is current. Published by the config verticle. */
  public static final String CONFIG_CHANGED = "locci.config.changed";

  /** Request (any body): replies with the current {@link VersionedConfig}. */
  public static final String CONFIG_GET = "locci.config.get";

  /**
   * Request (any body): re-read the config file (SIGHUP, {@code POST /api/v1/reload}); replies with a
   * {@link ReloadOutcome}, whether the file was accepted or not.
   */
  public static final String CONFIG_RELOAD = "locci.config.reload";

  /** Event: a reload finished, accepted or refused ({@link ReloadOutcome}). */
  public static final String CONFIG_RELOADED = "locci.config.reloaded";

  /**
   * Request ({@link ConfigChange}): apply one change made through the control API; replies with the new
   * {@link VersionedConfig}, or fails with status 400, 404 or 409 and the errors, one per line.
   */
  public static final String CONFIG_UPDATE = "locci.config.update";

  /**
   * Header of a {@link #CONFIG_UPDATE} request: the request body the change was read from, as the client
   * sent it. Cluster mode ships it to the other nodes, which read it with the same binder.
   */
  public static final String CHANGE_BODY_HEADER = "locci-change-body";

  /**
   * Request (any body), cluster mode only: replies with the members as a JSON object
   * {@code {"members":[{"id","address","config_version","healthy"}]}}; nobody answers outside cluster mode.
   */
  public static final String CLUSTER_MEMBERS = "locci.cluster.members";

  /** Event: a server's health flipped. Published by the health-check verticle. */
  public static final String HEALTH_CHANGED = "locci.health.changed";

  /** Request (any body): replies with the health of every checked server. */
  public static final String HEALTH_GET = "locci.health.get";

  /**
   * Request ({@link cloud.locci.proxy.core.explain.ExplainQuery}): a proxy instance replies with the
   * {@link cloud.locci.proxy.core.explain.Explanation} of its current snapshot.
   */
  public static final String ROUTES_EXPLAIN = "locci.routes.explain";

  /**
   * Event: a new {@link cloud.locci.proxy.core.acme.CertificateSet} is current (ACME). Published by the
   * certificate store; every proxy instance swaps it into its TLS listener.
   */
  public static final String CERTIFICATES_CHANGED = "locci.certificates.changed";

  /**
   * Event (any body): the proxy listeners are open. Published by whoever deploys the proxies, once they
   * are; the certificate store's first orders wait for it, since the CA connects back to them.
   */
  public static final String PROXY_LISTENING = "locci.proxy.listening";
}
