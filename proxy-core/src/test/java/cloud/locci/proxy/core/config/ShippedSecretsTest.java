package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SPEC §15: no secret written in a file the project ships (README, examples, Docker files) can be used,
 * since everyone can read it: each one must be refused by {@link Secrets#problem}.
 */
class ShippedSecretsTest {

  private static final Pattern SECRET = Pattern.compile("(?:api_key|jwt_secret)\\s*:\\s*\"?([^\"\\s#,}]+)\"?");

  @Test
  void everySecretInAShippedFileIsRefused() throws IOException {
    Path root = FullExample.repoRoot();
    List<Path> files = new ArrayList<>(List.of(root.resolve("README.md")));
    for (String dir : List.of("examples", "docker")) {
      try (Stream<Path> walk = Files.walk(root.resolve(dir))) {
        walk.filter(p -> p.toString().matches(".*\\.(ya?ml|md|env)$") && !p.toString().contains("/target/"))
            .forEach(files::add);
      }
    }
    List<String> found = new ArrayList<>();
    for (Path file : files) {
      Matcher m = SECRET.matcher(Files.readString(file, StandardCharsets.UTF_8));
      while (m.find()) {
        found.add(m.group(1));
        assertThat(Secrets.problem(m.group(1))).as("%s ships the secret %s, which validate accepts: add it to"
            + " Secrets.SHIPPED", root.relativize(file), m.group(1)).isPresent();
      }
    }
    assertThat(found).as("the scan finds the examples' secrets").isNotEmpty();
  }
}
