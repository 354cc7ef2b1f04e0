package cloud.locci.proxy.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The process environment plus a {@code .env} file from the working directory, read once at start-up.
 * A variable already in the environment wins over the same name in {@code .env}.
 */
public final class Environment {

  private final Map<String, String> vars;

  private Environment(Map<String, String> vars) {
    this.vars = Map.copyOf(vars);
  }

  /** The real environment, with {@code dir/.env} underneath it when that file exists. */
  public static Environment load(Path dir) throws IOException {
    return of(System.getenv(), dir.resolve(".env"));
  }

  /** {@code env} with the variables of {@code dotEnv} (if the file exists) that {@code env} lacks. */
  public static Environment of(Map<String, String> env, Path dotEnv) throws IOException {
    Map<String, String> vars = new HashMap<>();
    if (Files.isRegularFile(dotEnv)) {
      vars.putAll(parseDotEnv(Files.readAllLines(dotEnv, StandardCharsets.UTF_8)));
    }
    vars.putAll(env);
    return new Environment(vars);
  }

  public Optional<String> get(String name) {
    return Optional.ofNullable(vars.get(name)).filter(v -> !v.isBlank());
  }

  /** {@code LOCCI_LOG}, else its alias {@code RUST_LOG} (kept so the Rust version's .env files work). */
  public Optional<String> logLevel() {
    return get("LOCCI_LOG").or(() -> get("RUST_LOG"));
  }

  /** {@code KEY=value} lines; {@code #} comments, blank lines, {@code export } prefixes and quotes allowed. */
  static Map<String, String> parseDotEnv(List<String> lines) {
    Map<String, String> out = new HashMap<>();
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
          || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      } else {
        int hash = value.indexOf(" #");
        if (hash >= 0) {
          value = value.substring(0, hash).strip();
        }
      }
      out.put(key, value);
    }
    return out;
  }
}
