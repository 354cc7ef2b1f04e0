package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.cli.Dockerfile.Instruction;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/Dockerfile} and {@code .dockerignore}, checked without Docker (none runs here): the
 * build stage gets every module, the runtime stage what ENTRYPOINT and HEALTHCHECK use, and the
 * built-in config is one the health check can reach. {@link DockerImageIT} checks the build output.
 */
class DockerfileTest {

  private Path root;
  private Dockerfile dockerfile;
  private String runtime;

  @BeforeEach
  void read() throws IOException {
    root = Dockerfile.repoRoot();
    dockerfile = Dockerfile.read(root.resolve("docker/Dockerfile"));
    runtime = dockerfile.finalStage();
  }

  private List<String> modules() throws IOException {
    // The modules every build has; those of profiles (bench/, -Pbench) are not built into the image.
    String pom = Files.readString(root.resolve("pom.xml"), StandardCharsets.UTF_8)
        .replaceAll("(?s)<profiles>.*</profiles>", "");
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1).trim());
    }
    return out;
  }

  private List<Instruction> contextCopies(String stage) {
    return dockerfile.inStage(stage, "COPY").stream().filter(c -> c.flag("from").isEmpty())
        .collect(Collectors.toList());
  }

  @Test
  void buildStageIsMavenOnJdk17AndRuntimeIsJava17() {
    List<Instruction> froms = dockerfile.all("FROM");
    assertThat(froms).hasSize(2);
    assertThat(froms.get(0).args()).startsWith("maven:").contains("17").endsWith(" AS build");
    assertThat(froms.get(1).args()).contains("java17");
  }

  @Test
  void thePomsHaveTheirOwnLayerThenTheWholeContextIsBuilt() throws IOException {
    List<Instruction> copies = contextCopies("build");
    List<Instruction> all = dockerfile.instructions();
    List<Instruction> runs = dockerfile.inStage("build", "RUN");
    assertThat(runs).hasSize(2);
    assertThat(runs.get(0).args()).contains("go-offline");
    assertThat(runs.get(1).args()).contains("package");
    int offline = all.indexOf(runs.get(0));
    int pack = all.indexOf(runs.get(1));

    List<Instruction> pomCopies = copies.stream().filter(c -> all.indexOf(c) < offline).collect(Collectors.toList());
    List<String> poms = pomCopies.stream().flatMap(c -> c.sources().stream()).collect(Collectors.toList());
    List<String> expected = new ArrayList<>(List.of("pom.xml"));
    modules().forEach(m -> expected.add(m + "/pom.xml"));
    assertThat(poms).as("the dependency layer copies every pom of the reactor, and only poms")
        .containsExactlyInAnyOrderElementsOf(expected);
    for (Instruction c : pomCopies) {
      String s = c.sources().get(0);
      assertThat(root.resolve(s)).as("line %d", c.line()).isRegularFile();
      // Each pom lands where it is in the repository, so the reactor layout is the same.
      String dest = c.destination();
      Path landed = dest.endsWith("/") || dest.equals(".") ? Path.of(dest).resolve(s.replaceAll(".*/", ""))
          : Path.of(dest);
      assertThat(landed.normalize()).as("where line %d puts %s", c.line(), s).isEqualTo(Path.of(s));
    }

    List<Instruction> sources = copies.stream().filter(c -> all.indexOf(c) > offline && all.indexOf(c) < pack)
        .collect(Collectors.toList());
    assertThat(sources).hasSize(1);
    assertThat(sources.get(0).args()).isEqualTo(". .");
  }

  @Test
  void dockerignoreSendsThePomsSourcesAndBuiltInConfigOnly() throws IOException {
    DockerIgnore ignore = DockerIgnore.read(root.resolve(".dockerignore"));
    List<String> needed = new ArrayList<>(List.of("pom.xml"));
    for (String module : modules()) {
      needed.add(module + "/pom.xml");
      Path src = root.resolve(module).resolve("src");
      if (Files.isDirectory(src)) {
        try (Stream<Path> files = Files.walk(src)) {
          files.filter(Files::isRegularFile).map(f -> root.relativize(f).toString().replace('\\', '/'))
              .forEach(needed::add);
        }
      }
    }
    for (Instruction c : contextCopies(runtime)) {
      needed.addAll(c.sources());
      c.sources().forEach(s -> assertThat(root.resolve(s)).as("line %d", c.line()).isRegularFile());
    }
    assertThat(needed).hasSizeGreaterThan(50);
    assertThat(needed.stream().filter(f -> !ignore.includes(f)).collect(Collectors.toList()))
        .as("files the image build needs that .dockerignore leaves out").isEmpty();
    assertThat(ignore.includes("proxy-cli/target/locci-proxy.jar")).isFalse();
    assertThat(ignore.includes("proxy-core/target/classes/x.class")).isFalse();
    assertThat(ignore.includes(".git/config")).isFalse();
    assertThat(ignore.includes("README.md")).isFalse();
    assertThat(ignore.includes("docker/config.yaml")).as("a deployment's secrets stay out of the image").isFalse();
  }

  @Test
  void runtimeRunsAsNonRootFromApp() {
    assertThat(dockerfile.workdir(runtime)).isEqualTo("/app");
    List<Instruction> users = dockerfile.inStage(runtime, "USER");
    assertThat(users).isNotEmpty();
    String user = users.get(users.size() - 1).args().split(":")[0];
    assertThat(user).isNotIn("root", "0");
  }

  @Test
  void exposesTheProxyAndTheControlApi() {
    List<String> ports = dockerfile.inStage(runtime, "EXPOSE").stream().flatMap(e -> e.words().stream())
        .collect(Collectors.toList());
    assertThat(ports).contains("8484", "8485");
  }

  /** Destinations of the runtime stage's COPY instructions. */
  private Set<String> copiedIntoImage() {
    return dockerfile.inStage(runtime, "COPY").stream().map(Instruction::destination).collect(Collectors.toSet());
  }

  private List<String> entrypoint() {
    List<Instruction> e = dockerfile.inStage(runtime, "ENTRYPOINT");
    assertThat(e).hasSize(1);
    return Dockerfile.execForm(e.get(0).args());
  }

  private List<String> healthcheck() {
    List<Instruction> h = dockerfile.inStage(runtime, "HEALTHCHECK");
    assertThat(h).hasSize(1);
    String args = h.get(0).args();
    int cmd = args.indexOf("CMD ");
    assertThat(cmd).as("HEALTHCHECK ... CMD [...]").isPositive();
    return Dockerfile.execForm(args.substring(cmd + 4));
  }

  private static String after(List<String> words, String flag) {
    int i = words.indexOf(flag);
    assertThat(i).as("%s in %s", flag, words).isNotNegative();
    return words.get(i + 1);
  }

  @Test
  void entrypointRunsTheCopiedJarOnTheCopiedConfigWithContainerFlags() {
    List<String> e = entrypoint();
    assertThat(e.get(0)).isEqualTo("java");
    assertThat(after(e, "-jar")).isEqualTo("/app/locci-proxy.jar").isIn(copiedIntoImage());
    assertThat(after(e, "-c")).isEqualTo("/app/config.yaml").isIn(copiedIntoImage());
    List<String> jvm = e.subList(1, e.indexOf("-jar"));
    assertThat(jvm).contains("-XX:+ExitOnOutOfMemoryError", "-Dio.netty.allocator.type=pooled")
        .anyMatch(f -> f.startsWith("-XX:MaxRAMPercentage="));
  }

  @Test
  void healthcheckAsksTheControlApiOfTheBuiltInConfig() throws Exception {
    List<String> h = healthcheck();
    assertThat(h.get(0)).isEqualTo("java");
    assertThat(after(h, "-jar")).isIn(copiedIntoImage());
    assertThat(h.subList(h.indexOf("-jar") + 2, h.size())).startsWith("status");
    String config = after(h, "-c");
    assertThat(config).isIn(copiedIntoImage());
    URI control = URI.create(after(h, "--control"));
    assertThat(control.getHost()).isEqualTo("127.0.0.1");

    // The built-in config: the health check reaches its control API, which no one outside can.
    Instruction copy = dockerfile.inStage(runtime, "COPY").stream().filter(c -> c.destination().equals(config))
        .findFirst().orElseThrow();
    ProxyConfig builtIn = ConfigLoader.load(root.resolve(copy.sources().get(0)), ConfigOverrides.none());
    assertThat(builtIn.controlApi().enabled()).isTrue();
    assertThat(builtIn.controlApi().bindAddress().port()).isEqualTo(control.getPort());
    assertThat(builtIn.controlApi().bindAddress().host()).isEqualTo("127.0.0.1");
    assertThat(builtIn.server().bindAddress().host()).as("a published port must reach it").isEqualTo("0.0.0.0");

    // The compose config: safe by default, the control API on the container's loopback and no shipped key.
    ProxyConfig compose = ConfigLoader.load(root.resolve("docker/config.yaml"), ConfigOverrides.none());
    assertThat(compose.controlApi().bindAddress().port()).isEqualTo(control.getPort());
    assertThat(compose.controlApi().bindAddress().host()).isEqualTo("127.0.0.1");
    assertThat(compose.controlApi().apiKey()).as("docker/config.yaml must not ship a key").isEmpty();
    assertThat(compose.server().bindAddress().toString()).isEqualTo("0.0.0.0:8484");
  }
}
