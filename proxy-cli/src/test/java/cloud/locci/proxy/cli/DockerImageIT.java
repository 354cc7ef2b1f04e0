package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.cli.Dockerfile.Instruction;
import cloud.locci.proxy.core.testing.JarProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the image takes from the build stage exists after {@code package}, and the image's JVM flags
 * and built-in config work with the built jar. Runs after the jar is built (failsafe); no Docker.
 */
class DockerImageIT {

  @TempDir
  Path workDir;

  @Test
  void everyFileCopiedFromTheBuildStageIsBuildOutput() throws Exception {
    Path root = Dockerfile.repoRoot();
    Dockerfile dockerfile = Dockerfile.read(root.resolve("docker/Dockerfile"));
    String buildDir = dockerfile.workdir("build");
    List<Instruction> fromBuild = dockerfile.all("COPY").stream()
        .filter(c -> c.flag("from").filter("build"::equals).isPresent()).toList();
    assertThat(fromBuild).isNotEmpty();
    for (Instruction c : fromBuild) {
      for (String source : c.sources()) {
        // The build stage copies the repository to WORKDIR, so its paths there are repository paths.
        assertThat(source).as("line %d copies from the build directory", c.line()).startsWith(buildDir + "/");
        Path local = root.resolve(source.substring(buildDir.length() + 1));
        assertThat(local).as("line %d: %s after mvn package", c.line(), source).isRegularFile();
      }
    }
    assertThat(root.resolve("proxy-cli/target/locci-proxy.jar")).isEqualTo(JarProcess.jar());
  }

  @Test
  void theEntrypointsJvmFlagsRunTheJarOnTheBuiltInConfig() throws Exception {
    Path root = Dockerfile.repoRoot();
    Dockerfile dockerfile = Dockerfile.read(root.resolve("docker/Dockerfile"));
    List<String> entrypoint = Dockerfile.execForm(dockerfile.inStage(dockerfile.finalStage(), "ENTRYPOINT")
        .get(0).args());
    List<String> jvmFlags = new ArrayList<>(entrypoint.subList(1, entrypoint.indexOf("-jar")));

    // Same flags and jar, `validate` instead of `start`: a flag this JVM refuses, or a built-in
    // config the jar refuses, fails here instead of in a container.
    for (String config : List.of("docker/default-config.yaml", "docker/config.yaml")) {
      try (JarProcess p = JarProcess.start(workDir, jvmFlags, "validate", "-c",
          root.resolve(config).toString())) {
        assertThat(p.awaitExit(Duration.ofSeconds(60))).as("%s%n%s", config, p.output()).isZero();
        assertThat(p.output()).contains("configuration OK");
      }
    }
  }
}
