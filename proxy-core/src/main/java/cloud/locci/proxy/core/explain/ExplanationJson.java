package cloud.locci.proxy.core.explain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
          .put("detail", c.detail())
          .put("matchers", new JsonArray(c.matchers())));
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
    e.target().ifPresent(t -> json.put("target", target(t)));
    return json;
  }

  private static JsonObject target(Explanation.Target t) {
    JsonArray split = new JsonArray();
    t.split().forEach(s -> split.add(new JsonObject().put("upstream", s.upstream()).put("weight", s.weight())
        .put("percent", s.percent())));
    return new JsonObject()
        .put("upstream", t.upstream())
        .put("strategy", t.strategy())
        .put("healthy_servers", new JsonArray(t.healthyServers()))
        .put("uri", t.uri())
        .put("timeout_secs", t.timeoutSecs())
        .put("retries", t.retries())
        .put("connect_failover", Explanation.CONNECT_FAILOVER)
        .put("middlewares", new JsonArray(t.middlewares()))
        .put("split", split)
        .put("rewrite", t.rewrite().isEmpty() ? null : t.rewrite())
        .put("request_headers", new JsonArray(t.requestHeaders()))
        .put("response_headers", new JsonArray(t.responseHeaders()));
  }

  /** The inverse of {@link #toJson}: an explanation a running proxy sent. */
  public static Explanation fromJson(JsonObject json) {
    List<Explanation.Candidate> candidates = new ArrayList<>();
    JsonArray cs = json.getJsonArray("candidates", new JsonArray());
    for (int i = 0; i < cs.size(); i++) {
      JsonObject c = cs.getJsonObject(i);
      candidates.add(new Explanation.Candidate(c.getString("route"), c.getString("path_pattern"), c.getString("host"),
          strings(c.getJsonArray("methods")), c.getString("outcome"), c.getString("detail"),
          strings(c.getJsonArray("matchers"))));
    }
    JsonObject t = json.getJsonObject("target");
    Optional<Explanation.Target> target = t == null ? Optional.empty() : Optional.of(new Explanation.Target(
        t.getString("upstream"), t.getString("strategy"), strings(t.getJsonArray("healthy_servers")), t.getString("uri"),
        number(t, "timeout_secs"), number(t, "retries"), strings(t.getJsonArray("middlewares")), shares(t),
        text(t, "rewrite"), strings(t.getJsonArray("request_headers")), strings(t.getJsonArray("response_headers"))));
    return new Explanation(text(json, "mode"), number(json, "status"), text(json, "reason"),
        candidates, Optional.ofNullable(json.getString("route")), target, strings(json.getJsonArray("allow")));
  }

  private static List<Explanation.Share> shares(JsonObject t) {
    List<Explanation.Share> out = new ArrayList<>();
    JsonArray a = t.getJsonArray("split");
    if (a != null) {
      for (int i = 0; i < a.size(); i++) {
        JsonObject s = a.getJsonObject(i);
        out.add(new Explanation.Share(s.getString("upstream"), number(s, "weight"), s.getDouble("percent", 0.0)));
      }
    }
    return out;
  }

  // toJson writes null for "none" (status 0, empty reason); getInteger(key, default) would return that null.
  private static int number(JsonObject json, String key) {
    Integer n = json.getInteger(key);
    return n == null ? 0 : n;
  }

  private static String text(JsonObject json, String key) {
    String s = json.getString(key);
    return s == null ? "" : s;
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      for (int i = 0; i < a.size(); i++) {
        out.add(a.getString(i));
      }
    }
    return out;
  }
}
