package cloud.locci.proxy.control;

import cloud.locci.proxy.core.config.ConfigView;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.RouteConfig;
import io.vertx.core.json.JsonObject;

/**
 * The control API's JSON of the configuration: {@link ConfigView} (written from the key schema, secrets
 * always {@value #MASK}) plus what only the running process knows.
 */
final class ConfigJson {

  static final String MASK = ConfigView.MASK;

  private ConfigJson() {}

  /**
   * The whole configuration.
   *
   * @param instances the number of proxy instances actually running (the effective {@code server.workers})
   */
  static JsonObject config(ProxyConfig c, int instances) {
    JsonObject json = ConfigView.json(c);
    json.getJsonObject("server").put("workers", instances);
    return json;
  }

  /** One route with its name, as {@code GET /api/v1/routes} lists it ({@code host} null when none). */
  static JsonObject route(RouteConfig r) {
    JsonObject json = new JsonObject().put("name", r.name());
    ConfigView.route(r).forEach(e -> json.put(e.getKey(), e.getValue()));
    if (!json.containsKey("host")) {
      json.putNull("host");
    }
    return json;
  }
}
