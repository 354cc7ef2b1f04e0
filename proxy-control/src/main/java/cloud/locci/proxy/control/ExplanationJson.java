package cloud.locci.proxy.control;

import cloud.locci.proxy.core.explain.Explanation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** {@code GET /api/v1/explain}'s answer: an {@link Explanation} with snake_case keys. */
final class ExplanationJson {

  private ExplanationJson() {}

  static JsonObject of(Explanation e) {
    JsonArray candidates = new JsonArray();
    e.candidates().forEach(c -> candidates.add(new JsonObject()
        .put("route", c.route())
        .put("path_pattern", c.pathPattern())
        .put("host", c.host())
        .put("methods", new JsonArray(c.methods()))
        .put("outcome", c.outcome())
        .put("detail", c.detail())));
    JsonObject json = new JsonObject()
        .put("mode", e.mode())
        .put("served", e.served())
        .put("status", e.status())
        .put("reason", e.reason())
        .put("winner", e.winner().orElse(null))
        .put("candidates", candidates)
        .put("allow", new JsonArray(e.allow()));
    json.put("target", e.target().map(t -> new JsonObject()
        .put("upstream", t.upstream())
        .put("strategy", t.strategy())
        .put("healthy_servers", new JsonArray(t.healthyServers()))
        .put("uri", t.uri())
        .put("timeout_secs", t.timeoutSecs())
        .put("retries", t.retries())
        .put("middlewares", new JsonArray(t.middlewares()))).orElse(null));
    return json;
  }
}
