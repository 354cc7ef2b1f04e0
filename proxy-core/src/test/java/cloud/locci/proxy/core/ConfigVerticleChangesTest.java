package cloud.locci.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.ConfigChange;
import cloud.locci.proxy.core.bus.ReloadOutcome;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import cloud.locci.proxy.core.config.UpstreamConfig.Strategy;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Control-API changes and reloads as the config verticle applies them, over the event bus. */
@ExtendWith(VertxExtension.class)
class ConfigVerticleChangesTest {

  private static final String GATEWAY = """
      mode: api_gateway
      upstreams:
        app: {servers: ["127.0.0.1:3001"]}
      api_gateway:
        routes:
          api: {path_pattern: "^/api", upstream: app}
      control_api: {enabled: false}
      """;

  @TempDir
  Path dir;

  private Vertx vertx;
  private Path file;
  private ConfigVerticle verticle;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    file = dir.resolve("config.yaml");
    Files.writeString(file, GATEWAY);
    verticle = new ConfigVerticle(ProxyDeployment.parse(GATEWAY), Optional.of(file), ConfigOverrides.none());
    vertx.deployVerticle(verticle).await();
  }

  private VersionedConfig update(ConfigChange change) {
    return vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_UPDATE, change).await().body();
  }

  private ReplyException refused(ConfigChange change) {
    Throwable t = vertx.eventBus().request(Addresses.CONFIG_UPDATE, change)
        .map(m -> (Throwable) null).otherwise(e -> e).await();
    assertThat(t).isInstanceOf(ReplyException.class);
    return (ReplyException) t;
  }

  private ProxyConfig running() {
    return vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_GET, null).await().body().config();
  }

  @Test
  void addedRouteIsPublishedAsTheNextVersion() {
    Promise<VersionedConfig> published = Promise.promise();
    vertx.eventBus().<VersionedConfig>consumer(Addresses.CONFIG_CHANGED, m -> published.tryComplete(m.body()))
        .completion().await();

    VersionedConfig next = update(new ConfigChange.AddRoute(RouteConfig.of("web", "^/", "app")));

    assertThat(next.version()).isEqualTo(2);
    assertThat(published.future().await().version()).isEqualTo(2);
    assertThat(next.config().apiGateway().orElseThrow().routes()).containsOnlyKeys("api", "web");
  }

  @Test
  void duplicateRouteIs409AndChangesNothing() {
    ReplyException e = refused(new ConfigChange.AddRoute(RouteConfig.of("api", "^/other", "app")));
    assertThat(e.failureCode()).isEqualTo(409);
    assertThat(e.getMessage()).contains("route \"api\" already exists");
    assertThat(verticleVersion()).isEqualTo(1);
  }

  @Test
  void invalidRouteIs400WithEveryErrorAndChangesNothing() {
    ProxyConfig before = running();
    ReplyException e = refused(new ConfigChange.AddRoute(RouteConfig.of("bad", "^/(", "nope")));
    assertThat(e.failureCode()).isEqualTo(400);
    assertThat(e.getMessage().split("\n")).hasSize(2);
    assertThat(e.getMessage())
        .contains("control API: api_gateway.routes.bad.upstream: unknown upstream \"nope\"")
        .contains("api_gateway.routes.bad.path_pattern: invalid regular expression");
    assertThat(running()).isEqualTo(before);
    assertThat(verticleVersion()).isEqualTo(1);
  }

  @Test
  void unknownNamesAre404() {
    assertThat(refused(new ConfigChange.RemoveRoute("nope")).failureCode()).isEqualTo(404);
    assertThat(refused(new ConfigChange.RemoveUpstreamServer("nope", ServerAddress.parse("127.0.0.1:3001")))
        .failureCode()).isEqualTo(404);
    ReplyException e = refused(new ConfigChange.RemoveUpstreamServer("app", ServerAddress.parse("127.0.0.1:9")));
    assertThat(e.failureCode()).isEqualTo(404);
    assertThat(e.getMessage()).contains("has no server 127.0.0.1:9; it has 127.0.0.1:3001");
  }

  @Test
  void upstreamIsCreatedThenExtendedThenShrunk() {
    UpstreamConfig fresh = UpstreamConfig.of("more", List.of(ServerEntry.of("127.0.0.1:4001")));
    assertThat(update(new ConfigChange.AddUpstream(fresh, Set.of("servers"))).config().upstreams())
        .containsKey("more");

    UpstreamConfig extra = UpstreamConfig.of("more", List.of(ServerEntry.of("127.0.0.1:4002")))
        .withStrategy(Strategy.LEAST_CONNECTIONS);
    UpstreamConfig merged = update(new ConfigChange.AddUpstream(extra, Set.of("servers", "strategy")))
        .config().upstreams().get("more");
    assertThat(merged.servers()).extracting(s -> s.address().toString())
        .containsExactly("127.0.0.1:4001", "127.0.0.1:4002");
    assertThat(merged.strategy()).isEqualTo(Strategy.LEAST_CONNECTIONS);
    // hash_on is API_MUTABLE too: the merge takes every flagged key the request names, keeps the rest.
    UpstreamConfig hashed = update(new ConfigChange.AddUpstream(
        UpstreamConfig.of("more", List.of(ServerEntry.of("127.0.0.1:4005"))).withHashOn(UpstreamConfig.HashOn.PATH),
        Set.of("servers", "hash_on"))).config().upstreams().get("more");
    assertThat(hashed.hashOn()).isEqualTo(UpstreamConfig.HashOn.PATH);
    assertThat(hashed.strategy()).isEqualTo(Strategy.LEAST_CONNECTIONS);
    assertThat(hashed.servers()).hasSize(3);
    update(new ConfigChange.RemoveUpstreamServer("more", ServerAddress.parse("127.0.0.1:4005")));

    assertThat(refused(new ConfigChange.AddUpstream(extra, Set.of("servers"))).failureCode()).isEqualTo(409);
    ReplyException fileOnly = refused(new ConfigChange.AddUpstream(
        UpstreamConfig.of("more", List.of(ServerEntry.of("127.0.0.1:4003"))), Set.of("servers", "tls")));
    assertThat(fileOnly.failureCode()).isEqualTo(400);
    assertThat(fileOnly.getMessage()).contains("only servers, strategy and hash_on", "not tls");

    VersionedConfig shrunk = update(new ConfigChange.RemoveUpstreamServer("more", ServerAddress.parse("127.0.0.1:4001")));
    assertThat(shrunk.config().upstreams().get("more").servers()).extracting(s -> s.address().toString())
        .containsExactly("127.0.0.1:4002");
    // The last server cannot go: an empty group is invalid exactly as in a file.
    ReplyException last = refused(new ConfigChange.RemoveUpstreamServer("more", ServerAddress.parse("127.0.0.1:4002")));
    assertThat(last.failureCode()).isEqualTo(400);
    assertThat(last.getMessage()).contains("upstreams.more.servers: empty server list");
  }

  @Test
  void reloadAnswersTheDiffAndReplacesApiChanges() throws Exception {
    update(new ConfigChange.AddRoute(RouteConfig.of("api_only", "^/x", "app")));
    Promise<ReloadOutcome> event = Promise.promise();
    vertx.eventBus().<ReloadOutcome>consumer(Addresses.CONFIG_RELOADED, m -> event.tryComplete(m.body()))
        .completion().await();
    Files.writeString(file, GATEWAY.replace("api: {path_pattern: \"^/api\", upstream: app}",
        "api: {path_pattern: \"^/api\", upstream: app, strip_prefix: true}\n    web: {path_pattern: \"^/\", upstream: app}"));

    ReloadOutcome outcome = vertx.eventBus().<ReloadOutcome>request(Addresses.CONFIG_RELOAD, null).await().body();

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.version()).isEqualTo(3);
    assertThat(outcome.diff().routes().added()).containsExactly("web");
    assertThat(outcome.diff().routes().removed()).containsExactly("api_only");
    assertThat(outcome.diff().routes().changed()).containsExactly("api");
    assertThat(event.future().await()).isEqualTo(outcome);
    assertThat(running().apiGateway().orElseThrow().routes()).containsOnlyKeys("api", "web");
  }

  @Test
  void invalidFileIsRefusedWithEveryErrorAndNothingChanges() throws Exception {
    ProxyConfig before = running();
    Files.writeString(file, GATEWAY.replace("upstream: app}", "upstream: ap}").replace("\"^/api\"", "\"^/(\""));

    ReloadOutcome outcome = vertx.eventBus().<ReloadOutcome>request(Addresses.CONFIG_RELOAD, null).await().body();

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.version()).isEqualTo(1);
    assertThat(outcome.errors()).hasSize(2);
    assertThat(outcome.errors().get(0).toString()).startsWith(file + ":6: api_gateway.routes.api.");
    assertThat(running()).isEqualTo(before);
  }

  @Test
  void modeChangeOnReloadIsRefused() throws Exception {
    Files.writeString(file, GATEWAY.replace("mode: api_gateway", "mode: load_balancer")
        + "load_balancer: {upstream: app}\n");
    ReloadOutcome outcome = vertx.eventBus().<ReloadOutcome>request(Addresses.CONFIG_RELOAD, null).await().body();
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.errors().get(0).toString()).contains("mode: the mode cannot change on reload")
        .contains("restart the process");
  }

  @Test
  void unchangedFileKeepsTheVersionAndListsRestartOnlyKeys() throws Exception {
    ReloadOutcome same = vertx.eventBus().<ReloadOutcome>request(Addresses.CONFIG_RELOAD, null).await().body();
    assertThat(same.succeeded()).isTrue();
    assertThat(same.version()).isEqualTo(1);
    assertThat(same.diff().isEmpty()).isTrue();

    Files.writeString(file, GATEWAY + "server: {workers: 3, max_header_size: 16384}\n");
    ReloadOutcome changed = vertx.eventBus().<ReloadOutcome>request(Addresses.CONFIG_RELOAD, null).await().body();
    assertThat(changed.version()).isEqualTo(2);
    assertThat(changed.diff().sections()).containsExactly("server");
    assertThat(changed.restartRequired()).containsExactly("server.workers", "server.max_header_size");

    // The proxy's own clocks and limits apply on reload.
    Files.writeString(file, GATEWAY + "server: {workers: 3, max_header_size: 16384, idle_timeout_secs: 5,"
        + " body_timeout_secs: 5, max_body_size: 1000}\n");
    ReloadOutcome limits = vertx.eventBus().<ReloadOutcome>request(Addresses.CONFIG_RELOAD, null).await().body();
    assertThat(limits.version()).isEqualTo(3);
    assertThat(limits.restartRequired()).isEmpty();
  }

  private long verticleVersion() {
    return vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_GET, null).await().body().version();
  }

  @Test
  void changesSentTogetherAreValidatedOffTheEventLoopAndAppliedInTheOrderReceived() {
    // Twenty additions sent at once, then a removal of the first: each builds on the version before it.
    List<io.vertx.core.Future<VersionedConfig>> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_UPDATE,
          new ConfigChange.AddRoute(RouteConfig.of("r" + i, "^/r" + i + "/", "app"))).map(m -> m.body()));
    }
    sent.add(vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_UPDATE, new ConfigChange.RemoveRoute("r0"))
        .map(m -> m.body()));
    io.vertx.core.Future.all(sent).await();
    for (int i = 0; i < sent.size(); i++) {
      assertThat(sent.get(i).result().version()).as("change " + i).isEqualTo(i + 2);
    }
    ProxyConfig last = running();
    assertThat(last.apiGateway().orElseThrow().routes()).hasSize(20).doesNotContainKey("r0").containsKey("r19");
  }
}
