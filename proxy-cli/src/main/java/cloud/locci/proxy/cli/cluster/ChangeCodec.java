package cloud.locci.proxy.cli.cluster;

import cloud.locci.proxy.core.bus.ConfigChange;
import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ServerAddress;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * One control-API change as a line of the {@link SharedLog}. Routes and upstreams travel as the JSON body
 * the client sent, and every node reads it with the file's binder, as the node that received it did;
 * removals travel as their names.
 */
final class ChangeCodec {

  /** An entry that changes nothing but the version (see {@link SharedLog#bump}). */
  static final String NOTHING = new JsonObject().put("op", "none").encode();

  private static final String SOURCE = "cluster change";

  private ChangeCodec() {}

  /**
   * @param body the request body of a route or upstream change ({@code null} for removals)
   * @throws IllegalArgumentException when a route or upstream change comes without its body
   */
  static String encode(ConfigChange change, String body) {
    if (change instanceof ConfigChange.RemoveRoute r) {
      return new JsonObject().put("op", "remove_route").put("name", r.name()).encode();
    }
    if (change instanceof ConfigChange.RemoveUpstreamServer r) {
      return new JsonObject().put("op", "remove_server").put("upstream", r.upstream())
          .put("server", r.server().toString()).encode();
    }
    if (body == null) {
      throw new IllegalArgumentException("a " + change.getClass().getSimpleName() + " needs its request body to be"
          + " shared with the cluster");
    }
    String op = change instanceof ConfigChange.AddRoute ? "add_route" : "add_upstream";
    return new JsonObject().put("op", op).put("body", new JsonObject(body)).encode();
  }

  /**
   * The change an entry stands for; empty for {@link #NOTHING}.
   *
   * @throws ConfigException when the body no longer binds (it did on the node that received it)
   */
  static Optional<ConfigChange> decode(String entry) throws ConfigException {
    JsonObject json = new JsonObject(entry);
    String op = json.getString("op", "");
    switch (op) {
      case "none":
        return Optional.empty();
      case "remove_route":
        return Optional.of(new ConfigChange.RemoveRoute(json.getString("name")));
      case "remove_server":
        return Optional.of(new ConfigChange.RemoveUpstreamServer(json.getString("upstream"),
            ServerAddress.parse(json.getString("server"))));
      case "add_route": {
        JsonObject body = json.getJsonObject("body").copy();
        String name = (String) body.remove("name");
        return Optional.of(new ConfigChange.AddRoute(ConfigLoader.parseRoute(name, body.encode(), SOURCE)));
      }
      case "add_upstream": {
        JsonObject body = json.getJsonObject("body").copy();
        String name = (String) body.remove("name");
        Set<String> keys = new HashSet<>(body.fieldNames());
        return Optional.of(new ConfigChange.AddUpstream(ConfigLoader.parseUpstream(name, body.encode(), SOURCE), keys));
      }
      default:
        throw new IllegalArgumentException("unknown change \"" + op + "\" in the cluster's config log (a newer"
            + " version of locci-proxy wrote it?)");
    }
  }
}
