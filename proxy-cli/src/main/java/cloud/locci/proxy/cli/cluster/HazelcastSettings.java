package cloud.locci.proxy.cli.cluster;

import cloud.locci.proxy.core.config.ClusterConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;

/**
 * The Hazelcast member configuration of one node, built in code from the {@code cluster} section (no
 * XML, no classpath lookup). What it turns off and on follows vertx-hazelcast's {@code default-cluster.xml}
 * with the multicast join replaced:
 * <ul>
 *   <li>TCP/IP join to {@code members} only; multicast and cloud auto-detection off, so a node never
 *       finds strangers by itself;</li>
 *   <li>the member binds to {@code host} only (not every interface) and is reached there;</li>
 *   <li>the cluster name is {@code cluster.name}: members with another name are refused, so two clusters
 *       on one host never merge;</li>
 *   <li>no phone-home to Hazelcast, quiet logging through SLF4J;</li>
 *   <li>a member silent for 10 s is dead (Hazelcast's default is 60 s), so a killed node leaves every
 *       view within 15 s; a healed partition merges back after 5 s rather than 5 minutes;</li>
 *   <li>the maps Vert.x keeps its event-bus registrations in, as in {@code default-cluster.xml}.</li>
 * </ul>
 */
final class HazelcastSettings {

  /** Seconds without a heartbeat before a member is removed. */
  static final int MEMBER_TIMEOUT_SECS = 10;

  private HazelcastSettings() {}

  /** @param ip {@code cluster.host} resolved to one of this host's addresses */
  static Config of(ClusterConfig cluster, String ip) {
    Config c = new Config();
    c.setClusterName(cluster.name());
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.logging.type", "slf4j");
    c.setProperty("hazelcast.socket.bind.any", "false");
    c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    c.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(MEMBER_TIMEOUT_SECS));
    c.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    c.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    // Without multicast the first member waits this long for others before it forms a cluster alone.
    c.setProperty("hazelcast.wait.seconds.before.join", "1");
    c.setProperty("hazelcast.jmx", "false");
    c.getJetConfig().setEnabled(false);

    NetworkConfig network = c.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.setPublicAddress((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + cluster.port());
    network.getInterfaces().setEnabled(true).addInterface(ip);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2);
    for (ServerAddress member : cluster.members()) {
      join.getTcpIpConfig().addMember(member.toString());
    }

    c.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    c.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    c.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    return c;
  }
}
