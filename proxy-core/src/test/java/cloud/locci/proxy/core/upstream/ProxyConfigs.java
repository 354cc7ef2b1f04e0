package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import java.util.Map;

/** Test fixture: a valid load-balancer configuration whose only group is the one given. */
final class ProxyConfigs {

  private static final ProxyConfig BASE = ProxyDeployment.parse("""
      mode: load_balancer
      upstreams:
        app:
          servers: ["127.0.0.1:1"]
      load_balancer:
        upstream: app
      """);

  private ProxyConfigs() {}

  static ProxyConfig withUpstream(UpstreamConfig group) {
    return BASE.withUpstreams(Map.of(group.name(), group));
  }
}
