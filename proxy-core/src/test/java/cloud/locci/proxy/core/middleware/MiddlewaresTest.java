package cloud.locci.proxy.core.middleware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class MiddlewaresTest {

  private static String config(String middlewares) {
    return """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["127.0.0.1:1"]
        api_gateway:
          routes:
            all:
              path_pattern: "^/"
              upstream: app
          middlewares:
        %s
        control_api:
          enabled: false
        """.formatted(middlewares.indent(4).stripTrailing());
  }

  private static RateLimitMiddleware limiter(Middlewares m, String name) {
    return (RateLimitMiddleware) m.all().get(name);
  }

  @Test
  void everyDeclaredInstanceIsBuiltAndChainsKeepTheListedOrder(Vertx vertx) {
    ProxyConfig c = ProxyDeployment.parse(config("""
        rate_limiting:
          requests_per_minute: 60
        cors:
          allowed_origins: ["*"]
        authentication:
          jwt_secret: 0123456789abcdef0123456789abcdef-test
        """));

    Middlewares m = Middlewares.build(vertx, c).await();

    assertThat(m.all()).containsOnlyKeys("rate_limiting", "cors", "authentication");
    assertThat(m.chain(List.of("authentication", "cors")))
        .extracting(Middleware::name).containsExactly("authentication", "cors");
    assertThat(m.chain(List.of())).isEmpty();
    assertThatThrownBy(() -> m.chain(List.of("nope"))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void bucketsAreSharedByEqualSettingsAndFreshForChangedOnes(Vertx vertx) throws Exception {
    String limits = """
        limit:
          type: rate_limiting
          requests_per_minute: 60
          burst_size: 5
        other:
          type: rate_limiting
          requests_per_minute: 60
          burst_size: 5
        """;
    Middlewares first = Middlewares.build(vertx, ProxyDeployment.parse(config(limits))).await();
    Middlewares again = Middlewares.build(vertx, ProxyDeployment.parse(config(limits))).await();
    Middlewares changed = Middlewares.build(vertx,
        ProxyDeployment.parse(config(limits.replace("burst_size: 5\n", "burst_size: 6\n")))).await();

    assertThat(again).isNotSameAs(first);
    assertThat(limiter(again, "limit").buckets()).isSameAs(limiter(first, "limit").buckets());
    // Same settings under another name: another owner, other buckets.
    assertThat(limiter(first, "other").buckets()).isNotSameAs(limiter(first, "limit").buckets());
    assertThat(limiter(changed, "limit").buckets()).isNotSameAs(limiter(first, "limit").buckets());
  }

  @Test
  void aKeyFileThatBecameUnusableFailsTheBuild(Vertx vertx, @TempDir Path dir) throws Exception {
    Path key = TestTokens.es256(vertx).writePublicKey(dir);
    ProxyConfig c = ProxyDeployment.parse(config("""
        authentication:
          public_key_path: "KEY"
        """.replace("KEY", key.toString())));
    assertThat(Middlewares.build(vertx, c).await().all()).containsKey("authentication");

    Files.writeString(key, "garbage");
    Throwable failure = Middlewares.build(vertx, c).map(m -> (Throwable) null).otherwise(e -> e).await();

    assertThat(failure).hasMessageContaining("middleware authentication: " + key + " is not a usable JWT public key");
  }
}
