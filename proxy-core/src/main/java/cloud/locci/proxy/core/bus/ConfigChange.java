package cloud.locci.proxy.core.bus;

import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.config.UpstreamConfig;
import java.util.Objects;
import java.util.Set;

/**
 * One change made through the control API, sent to {@link Addresses#CONFIG_UPDATE}. The config
 * verticle applies it to the running configuration, validates the whole result as it validates a file,
 * and replies with the new {@link VersionedConfig}; or fails the message with a status (400 invalid,
 * 404 unknown name, 409 already exists) and every error, one per line, leaving the running config as
 * it was.
 */
public sealed interface ConfigChange {

  /** Adds {@code route} after the existing ones (ties in match order go to the older routes). */
  record AddRoute(RouteConfig route) implements ConfigChange {
    public AddRoute {
      Objects.requireNonNull(route, "route");
    }
  }

  /** Removes the route named {@code name}; 404 when there is none. */
  record RemoveRoute(String name) implements ConfigChange {
    public RemoveRoute {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * Creates the group {@code upstream.name()}, or adds its servers to the existing group of that name.
   * For an existing group only {@code servers}, {@code strategy} and {@code hash_on} may be given
   * (the others are file-only: 400); a server already in the group is a 409.
   *
   * @param keys the keys the caller actually wrote (to tell a given {@code strategy} from the default)
   */
  record AddUpstream(UpstreamConfig upstream, Set<String> keys) implements ConfigChange {
    public AddUpstream {
      Objects.requireNonNull(upstream, "upstream");
      keys = Set.copyOf(keys);
    }
  }

  /** Removes one server from a group; 404 when the group or the server is unknown. */
  record RemoveUpstreamServer(String upstream, ServerAddress server) implements ConfigChange {
    public RemoveUpstreamServer {
      Objects.requireNonNull(upstream, "upstream");
      Objects.requireNonNull(server, "server");
    }
  }
}
