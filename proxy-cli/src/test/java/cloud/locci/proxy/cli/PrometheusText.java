package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a Prometheus text exposition (format 0.0.4): strictly by parsing it here, and with
 * {@code promtool check metrics} when promtool is installed ({@code .ci/run} installs it).
 */
final class PrometheusText {

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)( -?\\d+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  private PrometheusText() {}

  /** Fails with the offending line when {@code text} is not a valid exposition. */
  static void checkStrictly(String text) {
    assertThat(text).endsWith("\n");
    Map<String, String> types = new HashMap<>();
    Set<String> helps = new HashSet<>();
    Set<String> series = new HashSet<>();
    Map<String, Double> infBuckets = new HashMap<>();
    Map<String, Double> counts = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# HELP ")) {
        String name = line.substring(7).split(" ", 2)[0];
        assertThat(NAME.matcher(name).matches()).as(line).isTrue();
        assertThat(helps.add(name)).as("HELP twice: " + line).isTrue();
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        assertThat(parts).as(line).hasSize(2);
        assertThat(TYPES).as(line).contains(parts[1]);
        assertThat(types.put(parts[0], parts[1])).as("TYPE twice: " + line).isNull();
      } else if (line.startsWith("#")) {
        continue;
      } else {
        Matcher m = SAMPLE.matcher(line);
        assertThat(m.matches()).as("not a sample line: " + line).isTrue();
        String name = m.group(1);
        String family = family(name, types);
        assertThat(types).as("sample before its TYPE: " + line).containsKey(family);
        String labels = m.group(3) == null ? "" : m.group(3);
        Matcher l = LABEL.matcher(labels);
        int at = 0;
        while (at < labels.length() && l.find(at) && l.start() == at) {
          at = l.end();
        }
        assertThat(at).as("bad labels: " + line).isEqualTo(labels.length());
        double value = value(m.group(4), line);
        assertThat(series.add(name + "{" + labels + "}")).as("duplicate series: " + line).isTrue();
        if (name.endsWith("_bucket") && labels.contains("le=\"+Inf\"")) {
          infBuckets.put(family + labels.replaceAll(",?le=\"\\+Inf\"", ""), value);
        } else if (name.endsWith("_count") && "histogram".equals(types.get(family))) {
          counts.put(family + labels, value);
        }
      }
    }
    counts.forEach((k, v) -> assertThat(infBuckets.get(k)).as("+Inf bucket of " + k).isEqualTo(v));
  }

  private static String family(String name, Map<String, String> types) {
    for (String suffix : new String[] {"_bucket", "_count", "_sum"}) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if (types.containsKey(base)) {
          return base;
        }
      }
    }
    return name;
  }

  private static double value(String s, String line) {
    switch (s) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(s);
        } catch (NumberFormatException e) {
          throw new AssertionError("bad value in: " + line);
        }
    }
  }

  /** promtool's path, when it is installed. */
  static Optional<Path> promtool() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir, "promtool");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Runs {@code promtool check metrics} on {@code text}; fails with promtool's output unless it exits 0. */
  static void checkWithPromtool(Path promtool, String text) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool check metrics:\n" + out).isZero();
  }
}
