package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainCommandTest {

  @TempDir
  Path dir;

  private Path seed() throws Exception {
    Path p = dir.resolve("gateway.yaml");
    Files.writeString(p, """
        mode: api_gateway
        upstreams:
          users_service: { servers: ["10.0.0.1:3000"] }
          web_service: { servers: ["10.0.0.9:8080"] }
        api_gateway:
          routes:
            web_app:
              path_pattern: "^/"
              upstream: web_service
            users_api:
              path_pattern: "^/api/users"
              methods: [GET, POST]
              upstream: users_service
              timeout_secs: 30
        """);
    return p;
  }

  @Test
  void textNamesTheWinnerEveryCandidateAndWhereTheRequestGoes() throws Exception {
    CliRun run = CliRun.of("explain", "-c", seed().toString(), "/api/users/123");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("1. users_api", "matched")
        .contains("2. web_app", "not_tried")
        .contains("=> route users_api -> upstream users_service (round_robin: 10.0.0.1:3000)")
        .contains("upstream uri /api/users/123, timeout 30 s, retries 0, middlewares none")
        .contains("failover: a failed connect (refused, connect timeout, TLS handshake) goes on to another server");
  }

  @Test
  void jsonOutputAndExitOneWhenTheProxyWouldAnswerItself() throws Exception {
    Path p = dir.resolve("only-users.yaml");
    Files.writeString(p, """
        mode: api_gateway
        upstreams:
          u: { servers: ["10.0.0.1:3000"] }
        api_gateway:
          routes:
            users_api:
              path_pattern: "^/api/users"
              methods: [GET]
              upstream: u
        """);
    CliRun notFound = CliRun.of("explain", "-c", p.toString(), "--json", "/nothing");
    assertThat(notFound.exitCode()).as(notFound.toString()).isEqualTo(1);
    JsonObject json = new JsonObject(notFound.out());
    assertThat(json.getInteger("status")).isEqualTo(404);
    assertThat(json.getString("reason")).isEqualTo("route_not_found");

    CliRun method = CliRun.of("explain", "-c", p.toString(), "--method", "post", "/api/users");
    assertThat(method.exitCode()).isEqualTo(1);
    assertThat(method.out()).contains("405 method_not_allowed (Allow: GET, HEAD)");
  }

  @Test
  void headersAndQueryChooseAmongRoutesWithMatchers() throws Exception {
    Path p = dir.resolve("policies.yaml");
    Files.writeString(p, """
        mode: api_gateway
        upstreams:
          stable: { servers: ["10.0.0.1:3000"] }
          canary: { servers: ["10.0.0.2:3000"] }
        api_gateway:
          routes:
            plain: { path_pattern: "^/app", upstream: stable }
            canary:
              path_pattern: "^/app"
              upstream: canary
              match_headers: { X-Canary: "1" }
              match_query: { v: "2" }
        """);
    CliRun hit = CliRun.of("explain", "-c", p.toString(), "--header", "x-canary:1", "/app?v=2");
    assertThat(hit.exitCode()).as(hit.toString()).isZero();
    assertThat(hit.out()).contains("1. canary", "matched", "matchers: header X-Canary: 1, query v: 2",
        "=> route canary -> upstream canary");
    CliRun miss = CliRun.of("explain", "-c", p.toString(), "--header", "X-Canary: 1", "/app?v=3");
    assertThat(miss.out()).contains("query_mismatch: query parameter v is not \"2\"", "=> route plain");
    CliRun bad = CliRun.of("explain", "-c", p.toString(), "--header", "nocolon", "/app");
    assertThat(bad.exitCode()).isEqualTo(2);
  }

  @Test
  void missingConfigIsExitTwo() {
    CliRun run = CliRun.of("explain", "-c", dir.resolve("none.yaml").toString(), "/x");
    assertThat(run.exitCode()).isEqualTo(2);
  }
}
