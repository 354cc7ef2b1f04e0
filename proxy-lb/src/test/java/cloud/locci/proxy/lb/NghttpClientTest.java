package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cloud.locci.proxy.core.testing.Http2Upstream;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * nghttp2's own client ({@code nghttp}, Debian's nghttp2-client, installed by .ci/run) against the h2c
 * listener: an implementation other than Vert.x's and the harness's raw client, speaking prior knowledge.
 * Skipped, saying so, where it is not installed.
 */
@ExtendWith(VertxExtension.class)
class NghttpClientTest {

  private static final Path NGHTTP = Path.of("/usr/bin/nghttp");

  private Vertx vertx;

  @BeforeEach
  void setUp(Vertx vertx) {
    assumeTrue(Files.isExecutable(NGHTTP), "nghttp (Debian nghttp2-client) is not installed");
    this.vertx = vertx;
  }

  /** Runs nghttp with {@code args}; its exit code, then everything it printed. */
  private static String nghttp(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(NGHTTP.toString(), "-v", "-t", "20"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.exitValue() + "\n" + out;
  }

  @Test
  void nghttpGetsAnswersAndTrailersThroughTheH2cListener() throws Exception {
    Http2Upstream upstream = Http2Upstream.h2c(vertx, 100).await();
    int port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse("""
        mode: load_balancer
        server: {bind_address: "127.0.0.1:0"}
        upstreams:
          app: {servers: ["%s"], protocol: h2c}
        load_balancer: {upstream: app}
        control_api: {enabled: false}
        """.formatted(upstream.address())), LoadBalancerMode::new, 1).await().port();

    String out = nghttp("-H", "x-trailer: x-checksum=abc", "http://127.0.0.1:" + port + "/via-nghttp");
    assertThat(out).startsWith("0\n");
    assertThat(out).contains(":status: 200", "\"uri\":\"/via-nghttp\"", "\"version\":\"HTTP_2\"");
    // The trailers come in a HEADERS frame after the body, ending the stream.
    assertThat(out.substring(out.indexOf("\"uri\""))).contains("x-checksum: abc");
  }
}
