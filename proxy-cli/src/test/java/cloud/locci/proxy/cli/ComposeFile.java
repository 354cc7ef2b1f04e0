package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * One of the project's docker compose files, parsed for the static tests that stand in for running
 * it (no Docker engine runs on the build machine). Shared by every {@code Docker*ComposeTest}.
 *
 * @param root the repository's root folder
 * @param doc the whole parsed document
 */
record ComposeFile(Path root, Map<String, Object> doc) {

  /** Parses {@code relative} (e.g. {@code docker/compose.yaml}) below the repository's root. */
  @SuppressWarnings("unchecked")
  static ComposeFile load(String relative) throws IOException {
    Path root = Dockerfile.repoRoot();
    String text = Files.readString(root.resolve(relative), StandardCharsets.UTF_8);
    return new ComposeFile(root, (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text));
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> services() {
    return (Map<String, Object>) doc.get("services");
  }

  /** The service {@code name}; fails the test when the file has none of that name. */
  @SuppressWarnings("unchecked")
  Map<String, Object> service(String name) {
    assertThat(services()).containsKey(name);
    return (Map<String, Object>) services().get(name);
  }

  /** A list-valued key of a service ({@code ports}, {@code volumes}, {@code command}...) as strings. */
  @SuppressWarnings("unchecked")
  static List<String> strings(Map<String, Object> service, String key) {
    return ((List<Object>) service.get(key)).stream().map(String::valueOf).collect(Collectors.toList());
  }
}
