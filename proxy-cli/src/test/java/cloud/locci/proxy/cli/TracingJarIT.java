package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import cloud.locci.proxy.core.testing.OtlpReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracing in the built jar, run as a user runs it, with class loading logged to a file
 * ({@code -Xlog:class+load}, what {@code -verbose:class} prints): with tracing off not one
 * OpenTelemetry class is loaded; with it on, spans reach a collector and the JSON access line carries
 * the trace id.
 */
@ExtendWith(VertxExtension.class)
class TracingJarIT {

  private static final Duration STARTUP = Duration.ofSeconds(30);
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE + "-00f067aa0ba902b7-01";

  @TempDir
  Path dir;

  private Vertx vertx;
  private EchoUpstream upstream;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    upstream = EchoUpstream.start(vertx, "echo").await();
    client = vertx.createHttpClient();
  }

  private Path config(String tracing) throws Exception {
    Path p = dir.resolve("config.yaml");
    Files.writeString(p, """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        logging:
          format: json
        upstreams:
          app:
            servers: ["%s"]
        load_balancer:
          upstream: app
        control_api:
          enabled: false
        %s
        """.formatted(upstream.address(), tracing));
    return p;
  }

  private JarProcess start(Path cfg) throws Exception {
    return JarProcess.start(dir, List.of("-Xmx128m", "-Xlog:class+load=info:file=" + classLog()), "-c", cfg.toString(),
        "--instances", "1");
  }

  private static int port(JarProcess proxy) throws InterruptedException {
    return Integer.parseInt(proxy.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", STARTUP).group(1));
  }

  private HttpResult get(int port) {
    return HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/traced").putHeader("traceparent", TRACEPARENT), null);
  }

  private Path classLog() {
    return dir.resolve("classes.log");
  }

  private List<String> loadedClasses() throws Exception {
    return Files.readAllLines(classLog());
  }

  private List<String> openTelemetryClasses() throws Exception {
    return loadedClasses().stream().filter(l -> l.contains(" io.opentelemetry.")).toList();
  }

  @Test
  void withTracingOffNoOpenTelemetryClassIsLoaded() throws Exception {
    try (JarProcess proxy = start(config(""))) {
      int port = port(proxy);
      HttpResult r = get(port);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getJsonObject("headers").getJsonArray("traceparent").getString(0)).isEqualTo(TRACEPARENT);
      proxy.awaitLine("\"logger\":\"locci.access\"", STARTUP);
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).isZero();
      assertThat(loadedClasses()).as("the class log works").anyMatch(l -> l.contains(" io.vertx.core.Vertx "));
      assertThat(openTelemetryClasses()).isEmpty();
      assertThat(proxy.output()).doesNotContain("trace_id");
    }
  }

  @Test
  void withTracingOnSpansReachTheCollectorAndTheJsonAccessLineHasTheTraceId() throws Exception {
    OtlpReceiver receiver = OtlpReceiver.start(vertx).await();
    Path cfg = config("""
        tracing:
          enabled: true
          otlp_endpoint: "%s"
        """.formatted(receiver.endpoint()));
    try (JarProcess proxy = start(cfg)) {
      int port = port(proxy);
      assertThat(get(port).status()).isEqualTo(200);
      Eventually.untilTrue(vertx, Duration.ofSeconds(20), "the request's two spans",
          () -> receiver.spans(s -> s.traceId().equals(TRACE)).size() >= 2).await();
      proxy.awaitLine("\"logger\":\"locci.access\"", STARTUP);
      proxy.terminate();
      assertThat(proxy.awaitExit(Duration.ofSeconds(20))).isZero();
      assertThat(openTelemetryClasses()).isNotEmpty();
      JsonObject access = Arrays.stream(proxy.output().split("\n")).map(JsonObject::new).filter(j -> "locci.access".equals(j.getString("logger"))).findFirst().orElseThrow();
      assertThat(access.getString("trace_id")).isEqualTo(TRACE);
      assertThat(receiver.spans(s -> s.traceId().equals(TRACE)))
          .allSatisfy(s -> assertThat(s.resource()).containsEntry("service.name", "locci-proxy"));
    }
  }
}
