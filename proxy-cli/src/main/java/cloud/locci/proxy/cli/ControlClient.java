package cloud.locci.proxy.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A blocking client of the control API for the client commands: sends one request, and either returns
 * the JSON answer or throws a {@link CommandFailure} (exit 1) with a one-line message: unreachable,
 * 401, or the API's own error text.
 */
final class ControlClient {

  private static final Duration TIMEOUT = Duration.ofSeconds(70);

  private final String base;
  private final Optional<String> apiKey;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  ControlClient(String base, Optional<String> apiKey) {
    this.base = base;
    this.apiKey = apiKey;
  }

  String base() {
    return base;
  }

  /** Percent-encodes one path segment (a route name, {@code host:port}). */
  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * Sends {@code method path} with {@code body} (JSON, or null) and returns the answer's JSON; a 204
   * answers {@code whenEmpty} plus the new {@code config_version} the API sent as a header.
   */
  JsonObject send(String method, String path, JsonObject body, JsonObject whenEmpty) {
    HttpRequest.Builder request;
    try {
      request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body.encode(), StandardCharsets.UTF_8))
          .header("Accept", "application/json");
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(ExitCodes.USAGE, "--control: invalid URL \"" + base + "\": " + e.getMessage());
    }
    if (body != null || !method.equals("GET")) {
      // The control API takes changes only as JSON (415 otherwise), bodiless ones (reload, DELETE) too.
      request.header("Content-Type", "application/json");
    }
    apiKey.ifPresent(k -> request.header("Authorization", "Bearer " + k));
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (java.net.ConnectException e) {
      throw new CommandFailure(ExitCodes.RUNTIME, "control API unreachable at " + base + ": connection refused"
          + " (is the proxy running with control_api.enabled? see --control)");
    } catch (IOException e) {
      throw new CommandFailure(ExitCodes.RUNTIME, "control API unreachable at " + base + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailure(ExitCodes.RUNTIME, "interrupted");
    }
    int status = response.statusCode();
    if (status == 204) {
      JsonObject out = whenEmpty == null ? new JsonObject() : whenEmpty.copy();
      response.headers().firstValue("X-Locci-Config-Version").ifPresent(v -> out.put("config_version", Long.parseLong(v)));
      return out;
    }
    JsonObject json = parse(response.body());
    if (status >= 400) {
      throw new CommandFailure(ExitCodes.RUNTIME, failure(status, json, response.body()));
    }
    if (json == null) {
      throw new CommandFailure(ExitCodes.RUNTIME, base + path + " answered " + status + " without JSON");
    }
    return json;
  }

  private String failure(int status, JsonObject json, String raw) {
    String message = json != null && json.getValue("error") instanceof String s ? s : raw.strip();
    if (json != null && json.getJsonArray("errors") != null && !json.getJsonArray("errors").isEmpty()) {
      message += ": " + String.join("; ", json.getJsonArray("errors").stream().map(String::valueOf).toList());
    }
    if (status == 401) {
      return "control API at " + base + " refused the request (401): " + message
          + " (pass --api-key or set LOCCI_API_KEY)";
    }
    return "control API answered " + status + ": " + message;
  }

  private static JsonObject parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }

  /** Prints {@code json} indented, as every client command does on success. */
  static int print(PrintWriter out, JsonObject json) {
    out.println(json.encodePrettily());
    out.flush();
    return ExitCodes.OK;
  }
}
