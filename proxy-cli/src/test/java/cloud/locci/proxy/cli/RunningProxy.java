package cloud.locci.proxy.cli;

import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Vertx;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The whole process as the launcher wires it (config, metrics, proxies, control API), started in this
 * JVM from a config file, for tests that need routing and the control API together.
 */
final class RunningProxy implements AutoCloseable {

  static final String KEY = "running-proxy-test-key-0123456789abcdef";

  private final Launcher launcher;
  private final Path file;

  private RunningProxy(Launcher launcher, Path file) {
    this.launcher = launcher;
    this.file = file;
  }

  /** Writes {@code yaml} to {@code file} and starts on it. */
  static RunningProxy start(Path file, String yaml) throws Exception {
    return start(file, yaml, true);
  }

  /** Like {@link #start(Path, String)}, without Vert.x's own per-request HTTP meters when {@code vertxHttpMetrics} is false. */
  static RunningProxy start(Path file, String yaml, boolean vertxHttpMetrics) throws Exception {
    Files.writeString(file, yaml);
    ProxyConfig config;
    try {
      config = ConfigLoader.load(file, ConfigOverrides.none());
    } catch (ConfigException e) {
      throw new IllegalArgumentException("test config is invalid:\n" + e.getMessage(), e);
    }
    return new RunningProxy(Launcher.start(config, Optional.of(file), ConfigOverrides.none(), vertxHttpMetrics), file);
  }

  int port() {
    return launcher.port();
  }

  int controlPort() {
    return launcher.controlPort();
  }

  Vertx vertx() {
    return launcher.vertx();
  }

  Path file() {
    return file;
  }

  String controlUrl() {
    return "http://127.0.0.1:" + controlPort();
  }

  /** Calls the control API with the test key. */
  HttpResult control(HttpClient client, HttpMethod method, String uri, JsonObject body) {
    return controlAsync(client, method, uri, body).await();
  }

  /** Like {@link #control}, without blocking: for conditions polled on the event loop. */
  Future<HttpResult> controlAsync(HttpClient client, HttpMethod method, String uri, JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(controlPort())
        .setURI(uri).addHeader("Authorization", "Bearer " + KEY);
    if (method != HttpMethod.GET) {
      options.addHeader("Content-Type", "application/json");
    }
    return HttpResult.fetch(client, options, body == null ? null : body.toBuffer());
  }

  void rewrite(String yaml) throws Exception {
    Files.writeString(file, yaml);
  }

  @Override
  public void close() {
    launcher.stop();
    try {
      launcher.awaitStopped(Duration.ofSeconds(30));
    } catch (Exception e) {
      throw new IllegalStateException("the proxy did not stop", e);
    }
  }
}
