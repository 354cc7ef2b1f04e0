package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ConfigSchema.Flag;
import cloud.locci.proxy.core.config.ConfigSchema.Key;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holds the JSON view, README and the binder to {@link ConfigSchema}: the view read back is the same
 * configuration, shows every declared key and never a secret; README lists every key; the binder reads
 * only declared keys.
 */
class ConfigSchemaTest {

  @TempDir
  Path certs;

  private ProxyConfig full() throws Exception {
    return ConfigLoader.parse(FullExample.withFilesIn(certs), FullExample.SOURCE, ConfigOverrides.none());
  }

  private static ProxyConfig example(String file) throws Exception {
    Path path = FullExample.repoRoot().resolve("examples").resolve(file);
    return ConfigLoader.parse(Files.readString(path, StandardCharsets.UTF_8), file, ConfigOverrides.none());
  }

  @Test
  void theViewReadBackIsTheSameConfiguration() throws Exception {
    // Secrets aside: the comparison view has them in clear (the public one masks them, tested below).
    List<ProxyConfig> configs = List.of(full(), example("config-gateway.yaml"), example("config-lb.yaml"));
    for (ProxyConfig c : configs) {
      String json = ConfigView.json(c, false).encodePrettily();
      ProxyConfig back = ConfigLoader.parse(json, "view.json", ConfigOverrides.none());
      assertThat(back).as("parse(json(config)) for %s", json).isEqualTo(c);
      assertThat(ConfigView.json(back, false)).isEqualTo(ConfigView.json(c, false));
    }
  }

  @Test
  void theViewShowsEveryDeclaredKey() throws Exception {
    JsonObject view = ConfigView.json(full());
    Set<String> shown = new LinkedHashSet<>();
    for (String path : paths(view, "")) {
      Optional<Key> key = ConfigReference.lookup(path);
      assertThat(key).as("%s in the JSON view is not declared", path).isPresent();
      shown.add(key.get().path());
    }
    List<String> missing = ConfigSchema.keys().stream()
        .filter(k -> !k.has(Flag.ALIAS) && !shown.contains(k.path()) && !k.path().equals(ConfigSchema.GATEWAY_MIDDLEWARES))
        .map(Key::path).toList();
    assertThat(missing).as("declared keys the JSON view of examples/config-full.yaml leaves out").isEmpty();
    assertThat(view.containsKey(ConfigSchema.GATEWAY_MIDDLEWARES.split("\\.")[0])).isTrue();
  }

  @Test
  void theViewMasksEverySecret() throws Exception {
    ProxyConfig c = full();
    String text = ConfigView.json(c).encode();
    assertThat(text).doesNotContain(FullExample.JWT_SECRET).doesNotContain(FullExample.API_KEY);
    JsonObject view = ConfigView.json(c);
    int masked = 0;
    for (String path : paths(view, "")) {
      Key key = ConfigReference.lookup(path).orElseThrow();
      if (key.has(Flag.SECRET)) {
        assertThat(valueAt(view, path)).as(path).isEqualTo(ConfigView.MASK);
        masked++;
      }
    }
    long secrets = ConfigSchema.keys().stream().filter(k -> k.has(Flag.SECRET)).count();
    assertThat(masked).as("secret keys written in the full example").isGreaterThanOrEqualTo((int) secrets);
  }

  @Test
  void readmeListsEveryDeclaredKey() throws Exception {
    String readme = Files.readString(FullExample.repoRoot().resolve("README.md"), StandardCharsets.UTF_8);
    List<String> missing = ConfigSchema.keys().stream().map(Key::path)
        .filter(p -> !readme.contains("| `" + p + "` |")).toList();
    assertThat(missing).as("keys missing from README's key table (regenerate it, see ConfigReferenceTest)").isEmpty();
  }

  @Test
  void theBinderReadsOnlyDeclaredKeys() throws Exception {
    Set<String> asked = ConfigLoader.askedKeys(FullExample.withFilesIn(certs), FullExample.SOURCE);
    List<String> undeclared = asked.stream().filter(p -> ConfigReference.lookup(p).isEmpty()).toList();
    assertThat(undeclared).isEmpty();
    assertThat(asked).hasSizeGreaterThan(100);
  }

  @Test
  void everyDeclaredKeyHasAParentAndNumbersHaveRanges() {
    for (Key k : ConfigSchema.keys()) {
      String parent = ConfigSchema.parentOf(k.path()).replace("[]", "");
      if (!parent.isEmpty()) {
        assertThat(ConfigSchema.key(parent)).as("parent of %s", k.path()).isPresent();
      }
      if (k.type().startsWith("integer") || k.type().startsWith("number")) {
        assertThat(k.min()).as("range of %s", k.path()).isNotNull();
      }
    }
  }

  @Test
  void flagsGiveTheApiMutableAndRestartSets() {
    assertThat(ConfigSchema.apiMutable("upstreams." + ConfigSchema.NAME))
        .containsExactly("servers", "strategy", "hash_on");
    List<String> restart = ConfigSchema.keys().stream()
        .filter(k -> k.has(Flag.RESTART) || k.has(Flag.LISTENER)).map(Key::path).toList();
    assertThat(restart).containsExactly("server.workers", "server.tls", "server.http_bind_address",
        "server.max_header_size", "server.max_request_line", "server.h2c", "logging.format", "control_api.enabled",
        "control_api.bind_address", "cluster");
  }

  @Test
  void everyRestartKeyIsReportedWhenItChanges() throws Exception {
    // Each restart-flagged key changed alone, listener in place: restartRequired names exactly it.
    String base = """
        mode: load_balancer
        server: {bind_address: "127.0.0.1:8080"}
        upstreams: {u: {servers: ["127.0.0.1:3000"]}}
        load_balancer: {upstream: u}
        """;
    Map<String, String> changes = Map.of(
        "server.workers", "server: {bind_address: \"127.0.0.1:8080\", workers: 3}",
        "server.max_header_size", "server: {bind_address: \"127.0.0.1:8080\", max_header_size: 4096}",
        "server.max_request_line", "server: {bind_address: \"127.0.0.1:8080\", max_request_line: 4096}",
        "server.http_bind_address", "server: {bind_address: \"127.0.0.1:8080\", http_bind_address: \"127.0.0.1:8081\"}");
    ProxyConfig before = ConfigLoader.parse(base, "a.yaml", ConfigOverrides.none());
    for (Map.Entry<String, String> e : changes.entrySet()) {
      ProxyConfig after = ConfigLoader.parse(base.replace("server: {bind_address: \"127.0.0.1:8080\"}", e.getValue()),
          "b.yaml", ConfigOverrides.none());
      assertThat(ConfigView.restartRequired(before, after)).as(e.getKey()).containsExactly(e.getKey());
    }
    ProxyConfig appended = ConfigLoader.parse(base + "logging: {format: json}\ncontrol_api: {bind_address:"
        + " \"127.0.0.1:9999\"}\ncluster: {name: other}\n", "c.yaml", ConfigOverrides.none());
    assertThat(ConfigView.restartRequired(before, appended))
        .containsExactly("logging.format", "control_api.bind_address", "cluster");
    // The listener moves: its options come with it, no restart.
    ProxyConfig moved = ConfigLoader.parse(base.replace("server: {bind_address: \"127.0.0.1:8080\"}",
        "server: {bind_address: \"127.0.0.1:8090\", max_header_size: 4096}"), "d.yaml", ConfigOverrides.none());
    assertThat(ConfigView.restartRequired(before, moved)).isEmpty();
  }

  @Test
  void aKeyWrittenInTheWrongPlaceSaysWhereItBelongs() {
    String yaml = """
        mode: api_gateway
        upstreams:
          web:
            servers: ["10.0.0.1:3000"]
            timeout_secs: 5
        load_balancer: {upstream: web, retries: 2}
        api_gateway:
          routes:
            r: {path_pattern: "^/", upstream: web}
          middlewares:
            cors: {burst_size: 5}
        """;
    ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> ConfigLoader.parse(yaml, "misplaced.yaml", ConfigOverrides.none()));
    assertThat(e.errors()).extracting(ConfigError::toString).containsExactly(
        "misplaced.yaml:5: upstreams.web.timeout_secs: unknown key; it is a key of upstreams.<name>.health_check"
            + " and api_gateway.routes.<name>, not of upstreams.<name>",
        "misplaced.yaml:6: load_balancer.retries: unknown key; it is a key of api_gateway.routes.<name>, not of"
            + " load_balancer",
        "misplaced.yaml:11: api_gateway.middlewares.cors.burst_size: unknown key; it is a rate_limiting key, not"
            + " one of this middleware's type");
  }

  /** Every key path of a JSON tree, list items as {@code [i]}. */
  private static List<String> paths(Object node, String path) {
    List<String> out = new ArrayList<>();
    if (node instanceof JsonObject o) {
      for (String k : o.fieldNames()) {
        String p = path.isEmpty() ? k : path + "." + k;
        out.add(p);
        out.addAll(paths(o.getValue(k), p));
      }
    } else if (node instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        out.addAll(paths(a.getValue(i), path + "[" + i + "]"));
      }
    }
    return out;
  }

  private static Object valueAt(JsonObject root, String path) {
    Object node = root;
    for (String segment : path.split("\\.")) {
      node = ((JsonObject) node).getValue(segment);
    }
    return node;
  }
}
