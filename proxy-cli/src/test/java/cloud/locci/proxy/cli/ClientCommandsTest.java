package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The client commands against a running proxy, and against nothing. */
@ExtendWith(VertxExtension.class)
class ClientCommandsTest {

  @TempDir
  Path dir;

  private EchoUpstream s1;
  private EchoUpstream s2;
  private HttpClient client;
  private RunningProxy proxy;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    s1 = EchoUpstream.start(vertx, "s1").await();
    s2 = EchoUpstream.start(vertx, "s2").await();
    client = vertx.createHttpClient();
    proxy = RunningProxy.start(dir.resolve("config.yaml"), """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 1}
        upstreams:
          app: {servers: ["%s"]}
        api_gateway:
          routes:
            api: {path_pattern: "^/api", upstream: app}
        control_api: {bind_address: "127.0.0.1:0", api_key: "%s"}
        """.formatted(s1.address(), RunningProxy.KEY));
  }

  @AfterEach
  void tearDown() throws Exception {
    proxy.close();
    client.close().await();
  }

  private CliRun run(String... args) {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--control";
    all[args.length + 1] = proxy.controlUrl();
    all[args.length + 2] = "--api-key";
    all[args.length + 3] = RunningProxy.KEY;
    return CliRun.of(all);
  }

  private static JsonObject json(CliRun run) {
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).as(run.toString()).isEmpty();
    return new JsonObject(run.out());
  }

  @Test
  void statusPrintsTheJsonAnswer() {
    JsonObject status = json(run("status"));
    assertThat(status.getString("status")).isEqualTo("running");
    assertThat(status.getString("mode")).isEqualTo("api_gateway");
    assertThat(status.getInteger("instances")).isEqualTo(1);
  }

  @Test
  void routeAndUpstreamCommandsChangeRouting() {
    JsonObject added = json(run("add-upstream", "more", "--server", s2.address(), "--strategy", "least_connections"));
    assertThat(added.getJsonObject("upstream").getString("strategy")).isEqualTo("least_connections");

    JsonObject route = json(run("add-route", "web", "--path-pattern", "^/web", "--upstream", "more",
        "--methods", "GET,POST", "--strip-prefix", "--timeout-secs", "5"));
    assertThat(route.getJsonObject("route").getJsonArray("methods")).containsExactly("GET", "POST");
    assertThat(route.getJsonObject("route").getInteger("timeout_secs")).isEqualTo(5);
    HttpResult routed = HttpResult.get(client, proxy.port(), "/web/page");
    assertThat(routed.header("X-Upstream-Id")).isEqualTo("s2");
    assertThat(routed.json().getString("uri")).isEqualTo("/page");

    CliRun lastServer = run("remove-upstream", "more", "--server", s2.address());
    assertThat(lastServer.exitCode()).as(lastServer.toString()).isEqualTo(1);
    assertThat(lastServer.err()).contains("upstreams.more.servers: empty server list");
    assertThat(json(run("status")).getLong("config_version")).isEqualTo(3);

    JsonObject removed = json(run("remove-route", "web"));
    assertThat(removed.getString("removed_route")).isEqualTo("web");
    assertThat(removed.getLong("config_version")).isEqualTo(4);
    assertThat(HttpResult.get(client, proxy.port(), "/web/page").status()).isEqualTo(404);

    JsonObject serverGone = json(run("add-upstream", "app", "--server", s2.address()));
    assertThat(serverGone.getLong("config_version")).isEqualTo(5);
    JsonObject shrunk = json(run("remove-upstream", "app", "--server", s1.address()));
    assertThat(shrunk.getString("removed_server")).isEqualTo(s1.address());
    assertThat(HttpResult.get(client, proxy.port(), "/api").header("X-Upstream-Id")).isEqualTo("s2");
  }

  @Test
  void explainWithControlAsksTheRunningProxyNotTheFile() {
    json(run("add-route", "web", "--path-pattern", "^/web", "--upstream", "app", "--strip-prefix"));

    // The file has no route "web": only the running proxy's table can name it.
    CliRun live = run("explain", "/web/page");
    assertThat(live.exitCode()).as(live.toString()).isZero();
    assertThat(live.out())
        .contains("1. api", "path_mismatch")
        .contains("2. web", "matched")
        .contains("=> route web -> upstream app (round_robin: " + s1.address() + ")")
        .contains("upstream uri /page");

    CliRun missing = run("explain", "--json", "--method", "DELETE", "/nothing");
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
    assertThat(new JsonObject(missing.out()).getString("reason")).isEqualTo("route_not_found");

    CliRun fromFile = CliRun.of("explain", "-c", proxy.file().toString(), "/web/page");
    assertThat(fromFile.exitCode()).as(fromFile.toString()).isEqualTo(1);
  }

  @Test
  void addRouteTakesTrafficPoliciesAndExplainSendsHeadersToTheRunningProxy() {
    json(run("add-upstream", "more", "--server", s2.address()));
    JsonObject added = json(run("add-route", "canary", "--path-pattern", "^/api", "--split", "app=1,more=3",
        "--match-header", "X-Canary: 1", "--match-query", "v=2", "--rewrite", "^/api/(.*)=/v2/$1",
        "--request-header", "set:X-Route:${route}", "--request-header", "remove:Cookie",
        "--response-header", "add:X-Served-By:${upstream}"));
    JsonObject route = added.getJsonObject("route");
    assertThat(route.getJsonArray("split").encode())
        .isEqualTo("[{\"upstream\":\"app\",\"weight\":1},{\"upstream\":\"more\",\"weight\":3}]");
    assertThat(route.getJsonObject("match_headers").getString("X-Canary")).isEqualTo("1");
    assertThat(route.getJsonObject("rewrite").getString("replacement")).isEqualTo("/v2/$1");
    assertThat(route.getJsonObject("request_headers").getJsonObject("set").getString("X-Route")).isEqualTo("${route}");

    HttpResult routed = HttpResult.send(client, new io.vertx.core.http.RequestOptions().setHost("127.0.0.1")
        .setPort(proxy.port()).setURI("/api/x?v=2").putHeader("X-Canary", "1"), null);
    assertThat(routed.json().getString("uri")).isEqualTo("/v2/x?v=2");
    assertThat(routed.json().getJsonObject("headers").getJsonArray("x-route").getList()).containsExactly("canary");
    assertThat(routed.header("X-Served-By")).isIn("app", "more");

    CliRun live = run("explain", "--header", "X-Canary: 1", "/api/x?v=2");
    assertThat(live.exitCode()).as(live.toString()).isZero();
    assertThat(live.out()).contains("(X-Canary: 1)", "1. canary", "matched", "matchers: header X-Canary: 1, query v: 2",
        "split: app 1 (25.0%), more 3 (75.0%)", "rewrite: ^/api/(.*) -> /v2/$1", "upstream uri /v2/x?v=2",
        "request headers: remove Cookie; set X-Route: ${route}", "response headers: add X-Served-By: ${upstream}");
    CliRun without = run("explain", "/api/x?v=2");
    assertThat(without.out()).contains("header_mismatch: header X-Canary absent", "=> route api");

    CliRun badSplit = run("add-route", "x", "--path-pattern", "^/x", "--split", "app");
    assertThat(badSplit.exitCode()).isEqualTo(2);
    assertThat(badSplit.err()).contains("--split wants UPSTREAM=WEIGHT");
  }

  @Test
  void refusalsAreOneLineAndExitOne() {
    CliRun duplicate = run("add-route", "api", "--path-pattern", "^/x", "--upstream", "app");
    assertThat(duplicate.exitCode()).isEqualTo(1);
    assertThat(duplicate.err().strip()).isEqualTo(
        "locci-proxy: control API answered 409: route \"api\" already exists; remove it first to replace it");
    assertThat(duplicate.out()).isEmpty();

    CliRun invalid = run("add-route", "bad", "--path-pattern", "^/(", "--upstream", "app");
    assertThat(invalid.exitCode()).isEqualTo(1);
    assertThat(invalid.err()).contains("400").contains("invalid regular expression");
    assertThat(invalid.err().strip().lines()).hasSize(1);

    CliRun unknown = run("remove-route", "nope");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).contains("404").contains("no route named \"nope\"");

    CliRun badKey = CliRun.of("status", "--control", proxy.controlUrl(), "--api-key", "wrong");
    assertThat(badKey.exitCode()).isEqualTo(1);
    assertThat(badKey.err()).contains("(401)").contains("invalid API key");
    CliRun noKey = CliRun.of("status", "--control", proxy.controlUrl(), "-c", dir.resolve("absent.yaml").toString());
    assertThat(noKey.exitCode()).isEqualTo(1);
    assertThat(noKey.err()).contains("(401)").contains("missing API key");
  }

  @Test
  void reloadPrintsTheDiff() throws Exception {
    Files.writeString(proxy.file(), Files.readString(proxy.file()).replace(
        "api: {path_pattern: \"^/api\", upstream: app}",
        "api: {path_pattern: \"^/api\", upstream: app}\n    web: {path_pattern: \"^/web\", upstream: app}"));
    JsonObject reload = json(run("reload"));
    assertThat(reload.getLong("config_version")).isEqualTo(2);
    assertThat(reload.getJsonObject("diff").getJsonObject("routes").getJsonArray("added"))
        .containsExactly("web");

    Files.writeString(proxy.file(), "mode: api_gateway\n");
    CliRun refused = run("reload");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("control API answered 400: invalid configuration file")
        .contains("upstreams: missing required key");
  }

  @Test
  void theConfigFileGivesTheDefaultAddressAndKey() throws Exception {
    Path file = dir.resolve("client.yaml");
    Files.writeString(file, """
        mode: api_gateway
        control_api:
          bind_address: "0.0.0.0:%d"
          api_key: "%s"
        """.formatted(proxy.controlPort(), RunningProxy.KEY));
    JsonObject status = json(CliRun.of("status", "-c", file.toString()));
    assertThat(status.getString("status")).isEqualTo("running");
  }

  @Test
  void againstNothingEveryCommandExitsOne() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closed;
    String[][] commands = {
        {"status"}, {"reload"}, {"add-route", "x", "--path-pattern", "^/x", "--upstream", "app"},
        {"remove-route", "x"}, {"add-upstream", "x", "--server", "127.0.0.1:1"},
        {"remove-upstream", "x", "--server", "127.0.0.1:1"}, {"explain", "/x"}};
    for (String[] command : commands) {
      String[] args = new String[command.length + 2];
      System.arraycopy(command, 0, args, 0, command.length);
      args[command.length] = "--control";
      args[command.length + 1] = url;
      CliRun run = CliRun.of(args);
      assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
      assertThat(run.err().strip()).isEqualTo("locci-proxy: control API unreachable at " + url
          + ": connection refused (is the proxy running with control_api.enabled? see --control)");
    }
  }

  @Test
  void helpDescribesTheClientCommands() {
    CliRun top = CliRun.of("--help");
    assertThat(top.out()).contains("status", "reload", "add-route", "remove-route", "add-upstream", "remove-upstream");
    CliRun addRoute = CliRun.of("add-route", "--help");
    assertThat(addRoute.out()).contains("--path-pattern", "--upstream", "--methods", "--strip-prefix",
        "--timeout-secs", "--control", "--api-key", "LOCCI_API_KEY");
    assertThat(CliRun.of("add-route", "x").exitCode()).isEqualTo(2);
  }
}
