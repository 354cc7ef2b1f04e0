package cloud.locci.proxy.core.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built {@code locci-proxy.jar} run as a separate process, as a user runs it. Its output (stdout
 * and stderr merged) is collected line by line; tests wait for a line to appear, never for a fixed time.
 * The jar is named by the system property {@code locci.jar}, which the failsafe configuration of the
 * modules that run the jar (proxy-cli, proxy-it) sets.
 */
public final class JarProcess implements AutoCloseable {

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private JarProcess(Process process) {
    this.process = process;
    reader = new Thread(this::readOutput, "jar-output");
    reader.setDaemon(true);
    reader.start();
  }

  public static Path jar() {
    String p = System.getProperty("locci.jar");
    if (p == null) {
      throw new IllegalStateException("system property locci.jar is not set (run through failsafe: mvn verify)");
    }
    return Path.of(p).toAbsolutePath().normalize();
  }

  public static JarProcess start(Path workDir, String... args) throws IOException {
    return start(workDir, List.of("-Xmx128m"), args);
  }

  /** Starts the jar with {@code jvmArgs} (heap size, GC flags) before {@code -jar}. */
  public static JarProcess start(Path workDir, List<String> jvmArgs, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", jar().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().remove("LOCCI_LOG");
    pb.environment().remove("RUST_LOG");
    return new JarProcess(pb.start());
  }

  private void readOutput() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException ignored) {
      // The process ended; the lines read so far stay available.
    } finally {
      synchronized (lines) {
        lines.notifyAll();
      }
    }
  }

  /** Waits for an output line matching {@code regex}; returns its match. Fails after {@code max}. */
  public Matcher awaitLine(String regex, Duration max) throws InterruptedException {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + max.toNanos();
    synchronized (lines) {
      int checked = 0;
      while (true) {
        for (; checked < lines.size(); checked++) {
          Matcher m = p.matcher(lines.get(checked));
          if (m.find()) {
            return m;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!reader.isAlive() && checked == lines.size())) {
          throw new AssertionError("no output line matching /" + regex + "/; output was:\n" + output());
        }
        lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)))));
      }
    }
  }

  /** Waits for the proxy's "listening on 127.0.0.1:PORT" line and returns PORT. */
  public int awaitProxyPort(Duration max) throws InterruptedException {
    return Integer.parseInt(awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", max).group(1));
  }

  /** The process id, for tools that look at the process from outside (e.g. {@code /proc}). */
  public long pid() {
    return process.pid();
  }

  public String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /**
   * Sends SIGTERM. Through the process handle: {@link Process#destroy()} would also close our end of
   * its output, and the lines it prints while stopping would be lost.
   */
  public void terminate() {
    process.toHandle().destroy();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Sends signal {@code name} (e.g. {@code HUP}) with the system's kill command. */
  public void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** Waits for the exit code; fails after {@code max}. */
  public int awaitExit(Duration max) throws InterruptedException {
    if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("process still running after " + max + "; output:\n" + output());
    }
    // Let the reader drain what the process printed last.
    reader.join(TimeUnit.SECONDS.toMillis(5));
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
