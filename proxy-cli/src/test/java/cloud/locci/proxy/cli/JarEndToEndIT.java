package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The built jar as a separate process: start, proxy, override flags, stop with SIGTERM. */
@ExtendWith(VertxExtension.class)
class JarEndToEndIT {

  private static final Duration STARTUP = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private Vertx vertx;
  private EchoUpstream upstream;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    upstream = EchoUpstream.start(vertx, "echo-1").await();
    client = vertx.createHttpClient();
  }

  private Path config(String yaml) throws Exception {
    Path p = dir.resolve("config.yaml");
    Files.writeString(p, yaml);
    return p;
  }

  private String bothModes(String bind) {
    return """
        mode: load_balancer
        server:
          bind_address: "%s"
        upstreams:
          app:
            servers: ["%s"]
        load_balancer:
          upstream: app
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: app
              strip_prefix: true
        control_api:
          enabled: false
        """.formatted(bind, upstream.address());
  }

  private static int listeningPort(JarProcess proxy) throws InterruptedException {
    return Integer.parseInt(proxy.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", STARTUP).group(1));
  }

  private HttpResult get(int port, String uri) {
    return HttpResult.get(client, port, uri);
  }

  @Test
  void proxiesARequestAndStopsWithExitZeroOnSigterm() throws Exception {
    // The file names a port nobody could bind; --bind must win for this to start.
    Path cfg = config(bothModes("127.0.0.1:1"));
    try (JarProcess proxy = JarProcess.start(dir, "-c", cfg.toString(), "--bind", "127.0.0.1:0", "--instances", "2")) {
      int port = listeningPort(proxy);
      assertThat(proxy.output()).contains("transport:").contains("load_balancer, 2 instances");

      HttpResult response = get(port, "/hello?x=1");
      JsonObject echo = response.json();
      assertThat(response.status()).isEqualTo(200);
      assertThat(echo.getString("id")).isEqualTo("echo-1");
      assertThat(echo.getString("uri")).isEqualTo("/hello?x=1");

      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).as(proxy.output()).isZero();
      proxy.awaitLine("stopped", Duration.ofSeconds(5));
    }
  }

  @Test
  void theJarServesTheDashboardFilesAndNamesItsVersion() throws Exception {
    Path cfg = config(bothModes("127.0.0.1:0").replace("enabled: false", "bind_address: \"127.0.0.1:0\""));
    try (JarProcess proxy = JarProcess.start(dir, "-c", cfg.toString(), "--instances", "1")) {
      listeningPort(proxy);
      int control = Integer.parseInt(proxy.awaitLine("control API listening on 127\\.0\\.0\\.1:(\\d+)", STARTUP)
          .group(1));
      for (String file : new String[] {"/dashboard/", "/dashboard/dashboard.js", "/dashboard/dashboard.css"}) {
        assertThat(get(control, file).status()).as(file).isEqualTo(200);
      }
      assertThat(get(control, "/dashboard/").body().toString()).contains("<title>Locci Proxy dashboard</title>");
      // The shaded jar's manifest carries the project's version.
      assertThat(get(control, "/api/v1/version").json().getString("version")).matches("[0-9]+\\.[0-9]+\\.[0-9]+.*");
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).as(proxy.output()).isZero();
    }
  }

  @Test
  void modeFlagTurnsALoadBalancerFileIntoAGateway() throws Exception {
    Path cfg = config(bothModes("127.0.0.1:0"));
    try (JarProcess proxy = JarProcess.start(dir, "-c", cfg.toString(), "--mode", "gateway", "--instances", "1")) {
      int port = listeningPort(proxy);
      assertThat(proxy.output()).contains("api_gateway");

      HttpResult routed = get(port, "/api/users");
      assertThat(routed.status()).as(routed.toString()).isEqualTo(200);
      JsonObject echo = routed.json();
      assertThat(echo.getString("uri")).isEqualTo("/users");
      assertThat(get(port, "/elsewhere").status()).isEqualTo(404);

      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).as(proxy.output()).isZero();
    }
  }

  @Test
  void jsonFormatMakesEveryLineJsonAndAccessLinesCarryTheirFields() throws Exception {
    Path cfg = config(bothModes("127.0.0.1:0").replace("mode: load_balancer", """
        mode: load_balancer
        logging:
          format: json"""));
    try (JarProcess proxy = JarProcess.start(dir, "-c", cfg.toString(), "--instances", "1")) {
      int port = listeningPort(proxy);
      assertThat(get(port, "/json-please?q=1").status()).isEqualTo(200);
      proxy.awaitLine("\"logger\":\"locci.access\"", STARTUP);
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).isZero();
      JsonObject access = null;
      for (String line : proxy.output().split("\n")) {
        JsonObject json = new JsonObject(line);
        assertThat(json.fieldNames()).contains("timestamp", "level", "logger", "message");
        if ("locci.access".equals(json.getString("logger"))) {
          access = json;
        }
      }
      assertThat(access).isNotNull();
      assertThat(access.getString("method")).isEqualTo("GET");
      assertThat(access.getString("path")).isEqualTo("/json-please");
      assertThat(access.getInteger("status")).isEqualTo(200);
      assertThat(access.getString("upstream")).isEqualTo("app");
      assertThat(access.getString("client")).isEqualTo("127.0.0.1");
      assertThat(access.getDouble("duration_ms")).isPositive();
      assertThat(access.getLong("bytes")).isPositive();
    }
  }

  @Test
  void accessLogCanBeTurnedOff() throws Exception {
    Path cfg = config(bothModes("127.0.0.1:0").replace("mode: load_balancer", """
        mode: load_balancer
        logging:
          access_log: false"""));
    try (JarProcess proxy = JarProcess.start(dir, "-c", cfg.toString(), "--instances", "1")) {
      int port = listeningPort(proxy);
      assertThat(get(port, "/quiet").status()).isEqualTo(200);
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).isZero();
      assertThat(proxy.output()).doesNotContain("\"GET /quiet").contains("stopped");
    }
  }

  @Test
  void portInUseIsExitOneNamingTheAddress() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + taken.getLocalPort();
      Path cfg = config(bothModes(address));
      try (JarProcess proxy = JarProcess.start(dir, "-c", cfg.toString(), "--instances", "1")) {
        assertThat(proxy.awaitExit(STARTUP)).as(proxy.output()).isEqualTo(ExitCodes.RUNTIME);
        assertThat(proxy.output()).contains("cannot listen on " + address);
      }
    }
  }

  @Test
  void invalidConfigIsExitTwoAndNothingListens() throws Exception {
    Path cfg = config("""
        mode: load_balancer
        upstreams:
          app:
            servers: []
        load_balancer:
          upstream: missing
        """);
    try (JarProcess proxy = JarProcess.start(dir, "-c", cfg.toString())) {
      assertThat(proxy.awaitExit(STARTUP)).as(proxy.output()).isEqualTo(ExitCodes.USAGE);
      assertThat(proxy.output())
          .contains("invalid configuration, nothing started")
          .contains("upstreams.app.servers: empty server list")
          .contains("load_balancer.upstream: unknown upstream \"missing\"")
          .doesNotContain("listening");
    }
  }
}
