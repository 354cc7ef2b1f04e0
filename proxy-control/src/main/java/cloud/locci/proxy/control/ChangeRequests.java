package cloud.locci.proxy.control;

import cloud.locci.proxy.core.bus.ConfigChange;
import cloud.locci.proxy.core.config.ConfigError;
import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the bodies of {@code POST /api/v1/routes} and {@code POST /api/v1/upstreams} into
 * {@link ConfigChange}s with the same binder as the file (same keys, types and messages). What only
 * the whole configuration can tell (unknown upstream, invalid regex) is the config verticle's check.
 */
final class ChangeRequests {

  private static final String SOURCE = "request body";

  private ChangeRequests() {}

  /** The request was malformed: 400 with these lines. */
  static final class BadRequest extends Exception {
    private final transient List<String> errors;

    BadRequest(String message, List<String> errors) {
      super(message, null, false, false);
      this.errors = List.copyOf(errors);
    }

    List<String> errors() {
      return errors;
    }
  }

  /** A route object plus {@code "name"}. */
  static ConfigChange.AddRoute route(Buffer body) throws BadRequest {
    JsonObject json = object(body);
    String name = name(json);
    try {
      return new ConfigChange.AddRoute(ConfigLoader.parseRoute(name, json.encode(), SOURCE));
    } catch (ConfigException e) {
      throw invalid(e);
    }
  }

  /** {@code {"name": .., "servers": [..], ...}}: an upstream group, or servers to add to one. */
  static ConfigChange.AddUpstream upstream(Buffer body) throws BadRequest {
    JsonObject json = object(body);
    String name = name(json);
    Set<String> keys = new HashSet<>(json.fieldNames());
    try {
      return new ConfigChange.AddUpstream(ConfigLoader.parseUpstream(name, json.encode(), SOURCE), keys);
    } catch (ConfigException e) {
      throw invalid(e);
    }
  }

  private static JsonObject object(Buffer body) throws BadRequest {
    if (body == null || body.length() == 0) {
      throw new BadRequest("missing JSON body", List.of());
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new BadRequest("the body is not a JSON object: " + e.getMessage(), List.of());
    }
  }

  /** Takes {@code "name"} out of {@code json} (the binder would call it an unknown key). */
  private static String name(JsonObject json) throws BadRequest {
    Object name = json.remove("name");
    if (!(name instanceof String s) || s.isBlank()) {
      throw new BadRequest("\"name\" is required: a non-empty string", List.of());
    }
    return s;
  }

  private static BadRequest invalid(ConfigException e) {
    return new BadRequest("invalid body; the running configuration is unchanged",
        e.errors().stream().map(ConfigError::toString).toList());
  }
}
