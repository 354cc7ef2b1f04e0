package cloud.locci.proxy.cli.cluster;

import cloud.locci.proxy.core.config.ClusterConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's membership of the cluster: a small clustered Vert.x instance on the Hazelcast cluster
 * manager, beside the proxy's own Vert.x. It carries only cluster traffic (the shared config log, its
 * lock, heartbeats); the proxy's event bus stays local, since its payloads are in-process records that
 * never leave the JVM. This class and {@link HazelcastSettings} are the only ones that name Hazelcast:
 * nothing loads them unless cluster mode is on.
 */
public final class ClusterNode {

  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  private final Vertx vertx;
  private final String id;
  private final String address;

  private ClusterNode(Vertx vertx, String id, String address) {
    this.vertx = vertx;
    this.id = id;
    this.address = address;
  }

  /**
   * Starts the Hazelcast member on {@code cluster.host:cluster.port} and joins the cluster through
   * {@code cluster.members}; blocks until joined (alone when no member answers).
   *
   * @throws IllegalStateException when the host does not resolve, the port is taken, or joining fails
   */
  public static ClusterNode join(ClusterConfig cluster) {
    String ip;
    try {
      ip = InetAddress.getByName(cluster.host()).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalStateException("cluster.host \"" + cluster.host() + "\" does not resolve: " + e.getMessage());
    }
    // Read by Hazelcast before any Config exists (its first lines would otherwise go to java.util.logging).
    System.setProperty("hazelcast.logging.type", "slf4j");
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(4);
    // The clustered event bus listens on an ephemeral port of the same interface; its address travels
    // through Hazelcast, so only cluster.port needs to be reachable to be found.
    options.getEventBusOptions().setHost(ip).setPort(0).setClusterPublicHost(ip);
    HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastSettings.of(cluster, ip));
    long started = System.nanoTime();
    Vertx vertx;
    try {
      vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered().await(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("cannot join cluster \"" + cluster.name() + "\" on " + ip + ":" + cluster.port()
          + ": " + cause.getMessage(), e);
    }
    String address = (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + cluster.port();
    ClusterNode node = new ClusterNode(vertx, manager.getNodeId(), address);
    log.info("cluster \"{}\": node {} at {} joined in {} ms; {} member(s) now", cluster.name(), node.id, address,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), manager.getNodes().size());
    return node;
  }

  /** The clustered Vert.x instance (cluster-wide shared data and event bus). */
  public Vertx vertx() {
    return vertx;
  }

  /** This node's id in the cluster. */
  public String id() {
    return id;
  }

  /** {@code host:port} of this node's Hazelcast member. */
  public String address() {
    return address;
  }

  /** Leaves the cluster (others see it go at once) and closes the clustered instance. Blocks. */
  public void leave() {
    try {
      vertx.close().await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("leaving the cluster did not finish cleanly: {}", e.getMessage());
    }
  }
}
