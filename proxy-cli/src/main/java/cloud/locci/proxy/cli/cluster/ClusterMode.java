package cloud.locci.proxy.cli.cluster;

import cloud.locci.proxy.core.ConfigVerticle;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the launcher does differently in cluster mode (SPEC §9), in one place it only touches when
 * {@code cluster.enabled} is on: join the cluster before anything listens, then deploy the change
 * sequencer ({@link ClusterSync}) and the membership ({@link Membership}) on the cluster's Vert.x.
 */
public final class ClusterMode {

  private final ClusterNode node;
  private final String fileText;

  private ClusterMode(ClusterNode node, String fileText) {
    this.node = node;
    this.fileText = fileText;
  }

  /**
   * Joins the cluster {@code config.cluster()} names; blocks until joined.
   *
   * @param file the node's config file: its text is this node's offer of a shared configuration
   * @throws IllegalStateException when joining fails or the file cannot be read again
   */
  public static ClusterMode join(ProxyConfig config, Optional<Path> file) {
    String text;
    try {
      text = file.isPresent() ? Files.readString(file.get(), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file.get() + " again: " + e.getMessage(), e);
    }
    return new ClusterMode(ClusterNode.join(config.cluster()), text);
  }

  /**
   * Deploys the sequencer and the membership. Call after the config verticle is deployed (with its changes
   * answered elsewhere) and before the proxies: the sequencer first takes the cluster's configuration, so
   * a joining node serves the cluster's version from its first request.
   */
  public Future<?> deploy(Vertx proxy, ConfigVerticle config, ProxyConfig initial, Optional<Path> file,
      ConfigOverrides overrides) {
    Vertx cluster = node.vertx();
    return cluster.deployVerticle(new ClusterSync(proxy, config, initial, file, fileText, overrides, node.address()))
        .compose(id -> cluster.deployVerticle(new Membership(proxy, node)));
  }

  /** Leaves the cluster: the others see this node go at once rather than after a timeout. */
  public Future<Void> leave() {
    return node.vertx().close();
  }
}
