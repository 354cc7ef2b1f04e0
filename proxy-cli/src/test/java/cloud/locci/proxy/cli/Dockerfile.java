package cloud.locci.proxy.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * {@code docker/Dockerfile} read as Docker reads it, enough for tests to check it without Docker:
 * comment lines dropped, continuations joined, each instruction tagged with its stage.
 */
record Dockerfile(List<Instruction> instructions) {

  /** The repository root: the first directory up from the working directory with a docker/Dockerfile. */
  static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("docker/Dockerfile"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("docker/Dockerfile not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  /**
   * One instruction.
   *
   * @param keyword upper case ({@code COPY})
   * @param args the rest of the instruction, continuations joined with a space
   * @param stage the name of its stage ({@code FROM ... AS name}), or its index
   */
  record Instruction(int line, String keyword, String args, String stage) {

    /** The arguments split on white space (shell form), flags such as {@code --from=build} included. */
    List<String> words() {
      return Arrays.asList(args.trim().split("\\s+"));
    }

    /** The value of {@code --name=value}, if the instruction has it. */
    Optional<String> flag(String name) {
      return words().stream().filter(w -> w.startsWith("--" + name + "=")).findFirst()
          .map(w -> w.substring(name.length() + 3));
    }

    /** For COPY: the sources (every word but the flags and the last). */
    List<String> sources() {
      List<String> plain = words().stream().filter(w -> !w.startsWith("--")).collect(Collectors.toList());
      return plain.subList(0, plain.size() - 1);
    }

    /** For COPY: the destination (the last word). */
    String destination() {
      List<String> w = words();
      return w.get(w.size() - 1);
    }
  }

  /** The words of an exec-form array ({@code ["java", "-jar", "x.jar"]}): JSON, which YAML reads. */
  static List<String> execForm(String json) {
    Object parsed = new Load(LoadSettings.builder().build()).loadFromString(json.trim());
    if (!(parsed instanceof List<?> list)) {
      throw new AssertionError("not an exec-form array: " + json);
    }
    return list.stream().map(String::valueOf).collect(Collectors.toList());
  }

  static Dockerfile read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Instruction> out = new ArrayList<>();
    String stage = "";
    int stages = 0;
    StringBuilder current = null;
    int startLine = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (current == null) {
        current = new StringBuilder();
        startLine = i + 1;
      }
      boolean continues = line.endsWith("\\");
      current.append(continues ? line.substring(0, line.length() - 1) : line).append(' ');
      if (continues) {
        continue;
      }
      String text = current.toString().trim();
      current = null;
      int space = text.indexOf(' ');
      String keyword = text.substring(0, space).toUpperCase(Locale.ROOT);
      String args = text.substring(space + 1).trim();
      if (keyword.equals("FROM")) {
        String[] w = args.split("\\s+");
        stage = w.length == 3 && w[1].equalsIgnoreCase("AS") ? w[2] : String.valueOf(stages);
        stages++;
      }
      out.add(new Instruction(startLine, keyword, args, stage));
    }
    return new Dockerfile(List.copyOf(out));
  }

  List<Instruction> all(String keyword) {
    return instructions.stream().filter(i -> i.keyword().equals(keyword)).collect(Collectors.toList());
  }

  List<Instruction> inStage(String stage, String keyword) {
    return all(keyword).stream().filter(i -> i.stage().equals(stage)).collect(Collectors.toList());
  }

  /** The name of the last stage: the image that is built. */
  String finalStage() {
    return instructions.get(instructions.size() - 1).stage();
  }

  /** The last WORKDIR of {@code stage}. */
  String workdir(String stage) {
    List<Instruction> w = inStage(stage, "WORKDIR");
    if (w.isEmpty()) {
      throw new AssertionError("stage " + stage + " has no WORKDIR");
    }
    return w.get(w.size() - 1).args();
  }
}
