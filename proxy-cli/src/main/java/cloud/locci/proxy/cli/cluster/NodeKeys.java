package cloud.locci.proxy.cli.cluster;

import cloud.locci.proxy.core.config.ClusterConfig;
import cloud.locci.proxy.core.config.ControlApiConfig;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerAddress;

/**
 * The keys that stay each node's own when a configuration is shared (SPEC §9): where its proxy and its
 * control API listen, and its {@code cluster} section. They come from the node's own file (and flags),
 * read at start and on a reload made on this node.
 */
record NodeKeys(ServerAddress serverBind, ServerAddress controlBind, ClusterConfig cluster) {

  static NodeKeys of(ProxyConfig c) {
    return new NodeKeys(c.server().bindAddress(), c.controlApi().bindAddress(), c.cluster());
  }

  /** {@code shared} with this node's own keys put back. */
  ProxyConfig overlay(ProxyConfig shared) {
    ControlApiConfig control = shared.controlApi();
    return shared
        .withServer(shared.server().withBindAddress(serverBind))
        .withControlApi(new ControlApiConfig(control.enabled(), controlBind, control.apiKey(),
            control.allowedOrigins(), control.allowedHosts()))
        .withCluster(cluster);
  }
}
