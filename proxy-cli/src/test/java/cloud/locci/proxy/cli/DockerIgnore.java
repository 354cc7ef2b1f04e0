package cloud.locci.proxy.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@code .dockerignore} with Docker's rules: patterns in order, the last one that matches a path or
 * one of its parent directories decides, {@code !} lets a path back in; {@code *} and {@code ?} stay
 * within one path segment, {@code **} spans any number of them.
 */
final class DockerIgnore {

  private record Rule(Pattern pattern, boolean include) {}

  private final List<Rule> rules;

  private DockerIgnore(List<Rule> rules) {
    this.rules = rules;
  }

  static DockerIgnore read(Path file) throws IOException {
    List<Rule> rules = new ArrayList<>();
    for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      boolean include = line.startsWith("!");
      String glob = (include ? line.substring(1) : line).strip();
      while (glob.startsWith("/")) {
        glob = glob.substring(1);
      }
      while (glob.endsWith("/")) {
        glob = glob.substring(0, glob.length() - 1);
      }
      rules.add(new Rule(Pattern.compile(regex(glob)), include));
    }
    return new DockerIgnore(rules);
  }

  private static String regex(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return re.toString();
  }

  /** Whether {@code relative} (a path in the build context, with {@code /}) is sent to the builder. */
  boolean includes(String relative) {
    boolean excluded = false;
    for (Rule r : rules) {
      if (matchesOrParent(r.pattern(), relative)) {
        excluded = !r.include();
      }
    }
    return !excluded;
  }

  private static boolean matchesOrParent(Pattern p, String path) {
    String candidate = path;
    while (true) {
      if (p.matcher(candidate).matches()) {
        return true;
      }
      int slash = candidate.lastIndexOf('/');
      if (slash < 0) {
        return false;
      }
      candidate = candidate.substring(0, slash);
    }
  }
}
