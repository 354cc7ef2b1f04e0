package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {

  @TempDir
  Path dir;

  private static final String LB = """
      mode: load_balancer
      upstreams:
        app:
          servers: ["127.0.0.1:3001", "127.0.0.1:3002"]
      load_balancer:
        upstream: app
      """;

  private Path write(String name, String yaml) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, yaml);
    return p;
  }

  @Test
  void validFileSaysConfigurationOkAndExitsZero() throws Exception {
    CliRun run = CliRun.of("validate", "-c", write("ok.yaml", LB).toString());
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("configuration OK");
  }

  @Test
  void everyErrorIsPrintedWithLineAndKeyAndExitIsTwo() throws Exception {
    Path file = write("bad.yaml", """
        mode: load_balancer
        upstreams:
          app:
            servers: ["http://127.0.0.1:3001"]
            stratgy: round_robin
        load_balancer:
          upstream: ap
        """);
    CliRun run = CliRun.of("validate", "-c", file.toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains(file + ":4: upstreams.app.servers[0]: \"http://127.0.0.1:3001\" has a scheme")
        .contains(file + ":5: upstreams.app.stratgy: unknown key; did you mean \"strategy\"?")
        .contains(file + ":7: load_balancer.upstream: unknown upstream \"ap\"")
        .contains("3 errors");
    assertThat(run.out()).doesNotContain("configuration OK");
  }

  @Test
  void aGrpcLookingRouteToAnHttp1UpstreamIsWarnedAbout() throws Exception {
    Path file = write("grpc.yaml", """
        mode: api_gateway
        upstreams:
          greeter: {servers: ["127.0.0.1:50051"]}
          web: {servers: ["127.0.0.1:3001"]}
        api_gateway:
          routes:
            greeter: {path_pattern: "^/helloworld\\\\.Greeter/", upstream: greeter}
            web: {path_pattern: "^/", upstream: web}
        """);
    CliRun run = CliRun.of("validate", "-c", file.toString());
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).contains("warning: " + file + ": api_gateway.routes.greeter.path_pattern:",
        "looks like a gRPC service path, but upstream \"greeter\" speaks HTTP/1.1",
        "upstreams.greeter.protocol: h2c");
    assertThat(run.err()).doesNotContain("routes.web.");
  }

  @Test
  void shadowedRoutesAreWarnedAboutAndExitStaysZero() throws Exception {
    Path file = write("shadow.yaml", """
        mode: api_gateway
        upstreams:
          u: { servers: ["127.0.0.1:3001"] }
        api_gateway:
          routes:
            users:
              path_pattern: "^/users"
              upstream: u
            users_again:
              path_pattern: "^/users"
              upstream: u
        """);
    CliRun run = CliRun.of("validate", "-c", file.toString());
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("configuration OK");
    assertThat(run.err()).contains("warning:", "api_gateway.routes.users_again: can never win", "\"users\"");
  }

  @Test
  void missingFileIsAUsageError() {
    CliRun run = CliRun.of("validate", "-c", dir.resolve("nope.yaml").toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("nope.yaml").contains("file not found");
  }

  @Test
  void modeFlagOverridesTheFileAndItsSectionBecomesRequired() throws Exception {
    CliRun run = CliRun.of("validate", "-c", write("lb.yaml", LB).toString(), "--mode", "gateway");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("api_gateway: missing required section");
  }

  @Test
  void bindFlagOverridesTheFile() throws Exception {
    // The file's control API port clashes with the flag's proxy port: only visible if --bind applied.
    Path file = write("clash.yaml", LB + """
        control_api:
          bind_address: "127.0.0.1:9000"
        """);
    assertThat(CliRun.of("validate", "-c", file.toString()).exitCode()).isZero();
    CliRun run = CliRun.of("validate", "-c", file.toString(), "--bind", "127.0.0.1:9000");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("control_api.bind_address: uses the same port as server.bind_address");
  }

  @Test
  void aPatternTooComplexToCompileIsExitTwoNotAnOutOfMemoryError() throws Exception {
    Path file = write("bomb.yaml", """
        mode: api_gateway
        upstreams:
          app: {servers: ["127.0.0.1:3000"]}
        api_gateway:
          routes:
            evil:
              path_pattern: "((a{1000}){1000}){1000}"
              upstream: app
        """);
    CliRun run = CliRun.of("validate", "-c", file.toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains(file + ":7: api_gateway.routes.evil.path_pattern: pattern too complex");
  }

  @Test
  void weakSecretsAreErrorsAndAReadableTlsKeyIsAWarning() throws Exception {
    Path weak = write("weak.yaml", LB + """
        control_api:
          api_key: "x"
        """);
    CliRun refused = CliRun.of("validate", "-c", weak.toString());
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(refused.err()).contains("control_api.api_key: too short: 1 bytes, at least 32");

    @SuppressWarnings("removal")
    io.vertx.core.net.SelfSignedCertificate cert = io.vertx.core.net.SelfSignedCertificate.create("localhost");
    java.nio.file.Files.setPosixFilePermissions(Path.of(cert.privateKeyPath()),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    Path tls = write("tls.yaml", LB + """
        server:
          tls: {cert_path: "%s", key_path: "%s"}
        """.formatted(cert.certificatePath(), cert.privateKeyPath()));
    CliRun warned = CliRun.of("validate", "-c", tls.toString());
    assertThat(warned.exitCode()).as(warned.toString()).isZero();
    assertThat(warned.err()).contains("warning: " + tls + ": server.tls.key_path: the private key")
        .contains("readable by group");
  }

  @Test
  void malformedFlagsAreUsageErrors() throws Exception {
    Path file = write("ok.yaml", LB);
    assertThat(CliRun.of("validate", "-c", file.toString(), "--mode", "proxy").exitCode()).isEqualTo(2);
    assertThat(CliRun.of("validate", "-c", file.toString(), "--bind", "8080").exitCode()).isEqualTo(2);
    assertThat(CliRun.of("validate", "--no-such-flag").exitCode()).isEqualTo(2);
  }

  @Test
  void helpExplainsEachCommand() {
    CliRun top = CliRun.of("--help");
    assertThat(top.exitCode()).isZero();
    assertThat(top.out()).contains("start", "validate", "Exit codes");
    CliRun validate = CliRun.of("validate", "--help");
    assertThat(validate.out()).contains("nginx -t", "--config", "--mode");
    CliRun start = CliRun.of("start", "--help");
    assertThat(start.out()).contains("SIGTERM", "--instances", "--log-level", "LOCCI_LOG");
  }
}
