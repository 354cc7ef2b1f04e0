package cloud.locci.proxy.it;

import cloud.locci.proxy.core.testing.JarProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Starts the built jar on a config file written by the test, and finds the port it listens on. */
final class ProxyJar {

  static final Duration STARTUP = Duration.ofSeconds(30);

  private ProxyJar() {}

  /** Writes {@code yaml} to {@code dir/config.yaml} and starts the jar on it with {@code jvmArgs} and {@code args}. */
  static JarProcess start(Path dir, String yaml, List<String> jvmArgs, String... args) throws IOException {
    Path file = writeConfig(dir, yaml);
    List<String> all = new ArrayList<>(List.of("-c", file.toString()));
    all.addAll(List.of(args));
    return JarProcess.start(dir, jvmArgs, all.toArray(String[]::new));
  }

  /**
   * Replaces {@code dir/config.yaml} in one step (write aside, then rename), so that a reload never
   * reads a half-written file.
   */
  static Path writeConfig(Path dir, String yaml) throws IOException {
    Path file = dir.resolve("config.yaml");
    Path tmp = dir.resolve("config.yaml.tmp");
    Files.writeString(tmp, yaml);
    return Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
