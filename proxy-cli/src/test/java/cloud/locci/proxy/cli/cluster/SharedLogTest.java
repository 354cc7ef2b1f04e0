package cloud.locci.proxy.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cloud.locci.proxy.core.bus.ConfigChange;
import cloud.locci.proxy.core.config.ClusterConfig;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The cluster's config log and its entries: what one node writes, another reads back the same. */
class SharedLogTest {

  private static final String BASE = """
      mode: api_gateway
      server: {bind_address: "127.0.0.1:8001"}
      upstreams:
        web: {servers: ["10.0.0.1:80"]}
      api_gateway:
        routes:
          home: {path_pattern: "^/home", upstream: web}
      control_api: {bind_address: "127.0.0.1:9001"}
      cluster: {enabled: true, port: 5701}
      """;

  @Test
  void encodesAndDecodesEveryField() {
    SharedLog log = SharedLog.of(4, BASE, "node a: config.yaml")
        .append(ChangeCodec.encode(new ConfigChange.RemoveRoute("home"), null));
    SharedLog back = SharedLog.decode(log.encode());

    assertThat(back).isEqualTo(log);
    assertThat(back.version()).isEqualTo(5);
    assertThat(log.bump().version()).isEqualTo(6);
    assertThat(log.bump().head()).isNotEqualTo(log.head());
    assertThat(log.rebase("x", "y").changes()).isEmpty();
  }

  @Test
  void anUnreadableLogIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> SharedLog.decode("{\"version\":1}"));
  }

  @Test
  void changesTravelAsTheirRequestBodiesAndBindAgain() throws Exception {
    String route = "{\"name\":\"docs\",\"path_pattern\":\"^/docs\",\"upstream\":\"web\",\"strip_prefix\":true}";
    ConfigChange.AddRoute add = new ConfigChange.AddRoute(ConfigLoader.parseRoute("docs",
        "{\"path_pattern\":\"^/docs\",\"upstream\":\"web\",\"strip_prefix\":true}", "request body"));
    assertThat(ChangeCodec.decode(ChangeCodec.encode(add, route))).contains(add);

    String upstream = "{\"name\":\"web\",\"servers\":[\"10.0.0.2:80\"],\"strategy\":\"least_connections\"}";
    Optional<ConfigChange> decoded = ChangeCodec.decode(ChangeCodec.encode(
        new ConfigChange.RemoveRoute("unused"), null));
    assertThat(decoded).contains(new ConfigChange.RemoveRoute("unused"));
    ConfigChange.AddUpstream up = (ConfigChange.AddUpstream) ChangeCodec.decode(ChangeCodec.encode(
        new ConfigChange.AddUpstream(ConfigLoader.parseUpstream("web", "{\"servers\":[\"10.0.0.2:80\"]}", "x"),
            java.util.Set.of()), upstream)).orElseThrow();
    assertThat(up.keys()).containsExactlyInAnyOrder("servers", "strategy");
    assertThat(up.upstream().name()).isEqualTo("web");

    ConfigChange.RemoveUpstreamServer remove = new ConfigChange.RemoveUpstreamServer("web",
        new ServerAddress("10.0.0.1", 80));
    assertThat(ChangeCodec.decode(ChangeCodec.encode(remove, null))).contains(remove);
    assertThat(ChangeCodec.decode(ChangeCodec.NOTHING)).isEmpty();
    assertThrows(IllegalArgumentException.class, () -> ChangeCodec.encode(add, null));
  }

  @Test
  void aSharedConfigKeepsTheNodesOwnAddressesAndClusterSection() throws Exception {
    ProxyConfig mine = ConfigLoader.parse(BASE.replace("8001", "8002").replace("9001", "9002")
        .replace("port: 5701", "port: 5702"), "mine.yaml", ConfigOverrides.none());
    ProxyConfig shared = ConfigLoader.parse(BASE.replace("^/home", "^/welcome"), "theirs.yaml",
        ConfigOverrides.none());

    ProxyConfig applied = NodeKeys.of(mine).overlay(shared);

    assertThat(applied.server().bindAddress()).isEqualTo(new ServerAddress("127.0.0.1", 8002));
    assertThat(applied.controlApi().bindAddress()).isEqualTo(new ServerAddress("127.0.0.1", 9002));
    assertThat(applied.cluster()).isEqualTo(new ClusterConfig(true, "locci", "127.0.0.1", 5702, List.of()));
    assertThat(applied.routes().get(0).pathPattern()).isEqualTo("^/welcome");
  }
}
