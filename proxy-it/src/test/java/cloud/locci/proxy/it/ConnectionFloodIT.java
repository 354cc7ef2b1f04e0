package cloud.locci.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.CheckedUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.JarProcess;
import cloud.locci.proxy.it.RawHttp.Head;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 idle keep-alive connections and 200 slowloris clients (each trickling one header line a
 * second, never finishing its head) held open at once: a normal request on a new connection is still
 * answered within 1 s (a functional bound with a wide margin, not a benchmark), every idle connection
 * still serves its next request, and every slowloris client gets 408 at {@code header_timeout_secs}
 * despite its trickle.
 */
@ExtendWith(VertxExtension.class)
class ConnectionFloodIT {

  private static final int IDLE = 1000;
  private static final int SLOWLORIS = 200;
  private static final int HEADER_TIMEOUT_SECS = 4;
  /** Sockets this JVM and the proxy each need, with room for the JVM's own files. */
  private static final long FILES_NEEDED = 4096;
  private static final int READ_TIMEOUT_MS = 15_000;

  @TempDir
  Path dir;

  @Test
  @Timeout(120)
  void idleAndSlowConnectionsDoNotStopANormalRequest(Vertx vertx) throws Exception {
    assertEnoughFiles("this test JVM", ((com.sun.management.UnixOperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount());
    CheckedUpstream upstream = CheckedUpstream.start(vertx, "a").await();
    List<Socket> idle = new ArrayList<>();
    List<Socket> slow = new ArrayList<>();
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    try (JarProcess proxy = ProxyJar.start(dir, """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
          header_timeout_secs: %d
          # Slowloris on a connection's first head gets 408 only without h2c: with h2c on, Vert.x builds
          # the connection once the first head is complete, and one that never completes is closed
          # without an answer at header_timeout_secs (H2cListenerTest).
          h2c: false
        upstreams:
          app:
            servers: ["%s"]
        load_balancer:
          upstream: app
        control_api:
          bind_address: "127.0.0.1:0"
        """.formatted(HEADER_TIMEOUT_SECS, upstream.address()), List.of("-Xmx128m"), "--instances", "2")) {
      int port = proxy.awaitProxyPort(ProxyJar.STARTUP);
      int controlPort = Integer.parseInt(proxy.awaitLine("control API listening on 127\\.0\\.0\\.1:(\\d+)",
          ProxyJar.STARTUP).group(1));
      ProcStatus.openFileLimit(proxy.pid()).ifPresent(limit -> assertEnoughFiles("the proxy", limit));

      for (int i = 0; i < IDLE; i++) {
        Socket s = connect(port);
        idle.add(s);
        assertThat(exchange(s, "/idle-" + i)).isEqualTo(200);
      }
      long slowStart = System.nanoTime();
      for (int i = 0; i < SLOWLORIS; i++) {
        Socket s = connect(port);
        slow.add(s);
        write(s, "GET /slow-" + i + " HTTP/1.1\r\nHost: it\r\n");
      }
      trickle.scheduleAtFixedRate(() -> {
        for (Socket s : slow) {
          try {
            write(s, "X-Slow: x\r\n");
          } catch (IOException e) {
            // Cut by the proxy already: that is what the test expects in the end.
          }
        }
      }, 1, 1, TimeUnit.SECONDS);

      long worstMs = 0;
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        try (Socket s = connect(port)) {
          assertThat(exchange(s, "/normal")).isEqualTo(200);
        }
        worstMs = Math.max(worstMs, (System.nanoTime() - start) / 1_000_000);
      }
      assertThat(worstMs).as("slowest of 5 normal requests, ms").isLessThan(1000);

      HttpClient control = vertx.createHttpClient();
      String metrics = HttpResult.get(control, controlPort, "/metrics").body().toString();
      Matcher active = Pattern.compile("(?m)^locci_active_connections(?:\\{[^}]*})? ([0-9.eE+]+)$").matcher(metrics);
      assertThat(active.find()).as(metrics).isTrue();
      long held = (long) Double.parseDouble(active.group(1));
      assertThat(held).as("client connections the proxy holds").isGreaterThanOrEqualTo(IDLE + SLOWLORIS);
      long proxyFiles = ProcStatus.openFiles(proxy.pid()).orElse(-1);
      long proxyRssMib = ProcStatus.rssKib(proxy.pid()).orElse(-1) / 1024;

      for (int i = 0; i < IDLE; i++) {
        assertThat(exchange(idle.get(i), "/again-" + i)).as("idle connection %d", i).isEqualTo(200);
      }

      for (Socket s : slow) {
        InputStream in = new BufferedInputStream(s.getInputStream());
        Head head = RawHttp.readHead(in);
        assertThat(head.status()).isEqualTo(408);
        RawHttp.drainUntilClosed(in);
      }
      long slowCutMs = (System.nanoTime() - slowStart) / 1_000_000;
      // Cut at the head timeout, however many header lines the trickle had sent by then.
      assertThat(slowCutMs).isBetween(HEADER_TIMEOUT_SECS * 1000L - 100, HEADER_TIMEOUT_SECS * 1000L + 5000);
      System.out.printf("FIGURE connection flood: %d idle keep-alive + %d slowloris held (locci_active_connections %d,"
          + " proxy fds %d, RSS %d MiB); normal request worst of 5: %d ms; all %d idle served again; "
          + "all %d slowloris got 408 and were closed %d ms after they started (header_timeout_secs %d)%n",
          IDLE, SLOWLORIS, held, proxyFiles, proxyRssMib, worstMs, IDLE, SLOWLORIS, slowCutMs, HEADER_TIMEOUT_SECS);
      control.close().await();
    } finally {
      trickle.shutdownNow();
      for (Socket s : idle) {
        s.close();
      }
      for (Socket s : slow) {
        s.close();
      }
    }
  }

  private static void assertEnoughFiles(String who, long limit) {
    assertThat(limit).as("open-file limit of %s: raise it (ulimit -n %d; .ci/run does) to hold %d connections",
        who, FILES_NEEDED, IDLE + SLOWLORIS).isGreaterThanOrEqualTo(FILES_NEEDED);
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(READ_TIMEOUT_MS);
    return s;
  }

  private static void write(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** One keep-alive GET on {@code s}; returns the status after reading the whole response. */
  private static int exchange(Socket s, String path) throws IOException {
    write(s, "GET " + path + " HTTP/1.1\r\nHost: it\r\n\r\n");
    // Not buffered beyond the response: the next exchange reads from the same socket.
    InputStream in = s.getInputStream();
    Head head = RawHttp.readHead(in);
    assertThat(RawHttp.readBody(in, head, Long.MAX_VALUE).complete()).isTrue();
    return head.status();
  }
}
