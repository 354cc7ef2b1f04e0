package cloud.locci.proxy.core.config;

import java.util.List;
import java.util.Objects;

/**
 * The {@code cluster} section (SPEC §9): whether this node joins a cluster of proxies, and how it finds
 * the others. Every key here is the node's own: a reload shared by another node never changes them.
 *
 * @param enabled join the cluster ({@code start --cluster} turns it on too); default false
 * @param name the cluster's name: nodes with different names never join each other, even on one host
 * @param host the address this node's cluster traffic binds to and is reached at (an IP address or a
 *     name that resolves to one of this host's addresses); default loopback, so nothing leaves the host
 *     unless the operator says so
 * @param port the Hazelcast member port on {@code host}
 * @param members other nodes to contact when joining ({@code host:port} of their {@code cluster.host}
 *     and {@code cluster.port}); empty means the node waits for others to contact it
 */
public record ClusterConfig(boolean enabled, String name, String host, int port, List<ServerAddress> members) {

  public static final String DEFAULT_NAME = "locci";
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5701;

  public ClusterConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    members = List.copyOf(members);
  }

  public static ClusterConfig defaults() {
    return new ClusterConfig(false, DEFAULT_NAME, DEFAULT_HOST, DEFAULT_PORT, List.of());
  }

  public ClusterConfig withEnabled(boolean on) {
    return new ClusterConfig(on, name, host, port, members);
  }
}
