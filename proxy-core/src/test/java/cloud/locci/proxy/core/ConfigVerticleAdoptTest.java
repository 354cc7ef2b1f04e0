package cloud.locci.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.ConfigChange;
import cloud.locci.proxy.core.bus.CurrentConfig;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.junit5.VertxExtension;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Cluster mode's side of the config verticle: changes answered by the sequencer, versions adopted as given. */
@ExtendWith(VertxExtension.class)
class ConfigVerticleAdoptTest {

  private static final String GATEWAY = """
      mode: api_gateway
      upstreams:
        app: {servers: ["127.0.0.1:3001"]}
      api_gateway:
        routes:
          api: {path_pattern: "^/api", upstream: app}
      control_api: {enabled: false}
      """;

  private Vertx vertx;
  private ConfigVerticle verticle;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    verticle = new ConfigVerticle(ProxyDeployment.parse(GATEWAY), Optional.empty(), ConfigOverrides.none())
        .changesAnsweredElsewhere();
    vertx.deployVerticle(verticle).await();
  }

  @Test
  void leavesChangesAndReloadsToTheClusterButStillServesTheCurrentVersion() {
    for (String address : new String[] {Addresses.CONFIG_UPDATE, Addresses.CONFIG_RELOAD}) {
      Throwable t = vertx.eventBus().request(address, new ConfigChange.RemoveRoute("api"))
          .map(m -> (Throwable) null).otherwise(e -> e).await();
      assertThat(t).isInstanceOfSatisfying(ReplyException.class,
          e -> assertThat(e.failureType()).isEqualTo(ReplyFailure.NO_HANDLERS));
    }
    assertThat(vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_GET, null).await().body().version())
        .isEqualTo(1);
  }

  @Test
  void adoptsTheGivenVersionPublishesItAndRefusesAnOlderOne() {
    Promise<VersionedConfig> published = Promise.promise();
    vertx.eventBus().<VersionedConfig>consumer(Addresses.CONFIG_CHANGED, m -> published.tryComplete(m.body()))
        .completion().await();
    ProxyConfig next = ProxyDeployment.parse(GATEWAY.replace("^/api", "^/v2"));

    VersionedConfig adopted = verticle.adopt(next, 7, "test").await();

    assertThat(adopted.version()).isEqualTo(7);
    assertThat(published.future().await()).isEqualTo(adopted);
    assertThat(CurrentConfig.of(vertx).get()).isEqualTo(adopted);
    Throwable older = verticle.adopt(next, 7, "test").map(v -> (Throwable) null).otherwise(e -> e).await();
    assertThat(older).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void refusesAnInvalidConfigAndKeepsTheRunningOne() {
    ProxyConfig broken = ProxyDeployment.parse(GATEWAY).withUpstreams(java.util.Map.of());

    Throwable t = verticle.adopt(broken, 2, "test").map(v -> (Throwable) null).otherwise(e -> e).await();

    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("unknown upstream");
    assertThat(CurrentConfig.of(vertx).get().version()).isEqualTo(1);
  }

  @Test
  void aChangedClusterSectionNeedsARestart() {
    ProxyConfig before = ProxyDeployment.parse(GATEWAY);
    ProxyConfig after = before.withCluster(before.cluster().withEnabled(true));

    assertThat(ConfigVerticle.restartRequired(before, after)).containsExactly("cluster");
  }
}
