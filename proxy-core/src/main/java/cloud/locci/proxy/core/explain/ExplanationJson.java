package cloud.locci.proxy.core.explain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The JSON form of an {@link Explanation}, the same for the CLI's {@code --json} and the control API. */
public final class ExplanationJson {

  private ExplanationJson() {}

  public static JsonObject toJson(Explanation e) {
    JsonArray candidates = new JsonArray();
    for (Explanation.Candidate c : e.candidates()) {
      candidates.add(new JsonObject()
          .put("route", c.route())
          .put("path_pattern", c.pathPattern())
          .put("host", c.host())
          .put("methods", new JsonArray(c.methods()))
          .put("outcome", c.outcome())
          .put("detail", c.detail()));
    }
    JsonObject json = new JsonObject()
        .put("mode", e.mode())
        .put("served", e.served())
        .put("status", e.status() == 0 ? null : e.status())
        .put("reason", e.reason().isEmpty() ? null : e.reason())
        .put("route", e.winner().orElse(null))
        .put("candidates", candidates);
    if (!e.allow().isEmpty()) {
      json.put("allow", new JsonArray(e.allow()));
    }
    e.target().ifPresent(t -> json.put("target", new JsonObject()
        .put("upstream", t.upstream())
        .put("strategy", t.strategy())
        .put("healthy_servers", new JsonArray(t.healthyServers()))
        .put("uri", t.uri())
        .put("timeout_secs", t.timeoutSecs())
        .put("retries", t.retries())
        .put("middlewares", new JsonArray(t.middlewares()))));
    return json;
  }
}
