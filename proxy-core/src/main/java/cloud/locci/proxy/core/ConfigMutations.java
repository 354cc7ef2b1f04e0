package cloud.locci.proxy.core;

import cloud.locci.proxy.core.bus.ConfigChange;
import cloud.locci.proxy.core.bus.ConfigChange.AddRoute;
import cloud.locci.proxy.core.bus.ConfigChange.AddUpstream;
import cloud.locci.proxy.core.bus.ConfigChange.RemoveRoute;
import cloud.locci.proxy.core.bus.ConfigChange.RemoveUpstreamServer;
import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigSchema;
import cloud.locci.proxy.core.config.Mode;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ProxyConfig.GatewayConfig;
import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.ServerEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns one {@link ConfigChange} into the whole candidate configuration it asks for. Only checks what
 * the validator cannot know (does the name exist, may this key change here); the candidate is then
 * validated as a file is.
 */
public final class ConfigMutations {

  /**
   * Keys of an upstream that {@code POST /api/v1/upstreams} may change on an existing group: those
   * {@link ConfigSchema} flags {@code API_MUTABLE} ({@code servers}, {@code strategy}, {@code hash_on}).
   */
  static final Set<String> MUTABLE_UPSTREAM_KEYS = ConfigSchema.apiMutable("upstreams." + ConfigSchema.NAME);

  private ConfigMutations() {}

  /** The change was refused before validation: {@code status} 400, 404 or 409 and why. */
  public static final class Refused extends Exception {
    private final int status;

    Refused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /**
   * The whole configuration {@code change} asks for, not yet validated.
   *
   * @throws Refused 404 for an unknown name, 409 for one that exists, 400 for a change this mode refuses
   */
  public static ProxyConfig apply(ProxyConfig c, ConfigChange change) throws Refused {
    if (change instanceof AddRoute add) {
      return addRoute(c, add.route());
    } else if (change instanceof RemoveRoute remove) {
      return removeRoute(c, remove.name());
    } else if (change instanceof AddUpstream add) {
      return addUpstream(c, add);
    } else if (change instanceof RemoveUpstreamServer remove) {
      return removeServer(c, remove);
    }
    throw new Refused(400, "unknown change " + change.getClass().getSimpleName());
  }

  /** Words for the log line of an accepted change. */
  public static String describe(ConfigChange change) {
    if (change instanceof AddRoute add) {
      return "route \"" + add.route().name() + "\" added";
    } else if (change instanceof RemoveRoute remove) {
      return "route \"" + remove.name() + "\" removed";
    } else if (change instanceof AddUpstream add) {
      return "upstream \"" + add.upstream().name() + "\" created or extended with "
          + add.upstream().servers().stream().map(s -> s.address().toString()).toList();
    } else if (change instanceof RemoveUpstreamServer remove) {
      return "server " + remove.server() + " removed from upstream \"" + remove.upstream() + "\"";
    }
    return change.toString();
  }

  private static ProxyConfig addRoute(ProxyConfig c, RouteConfig route) throws Refused {
    if (c.mode() != Mode.API_GATEWAY) {
      throw new Refused(400, "the proxy runs in " + c.mode().yamlName() + " mode; routes apply in api_gateway mode only");
    }
    GatewayConfig gateway = c.apiGateway().orElseGet(() -> new GatewayConfig(Map.of(), Map.of()));
    if (gateway.routes().containsKey(route.name())) {
      throw new Refused(409, "route \"" + route.name() + "\" already exists; remove it first to replace it");
    }
    Map<String, RouteConfig> routes = new LinkedHashMap<>(gateway.routes());
    routes.put(route.name(), route);
    return c.withApiGateway(gateway.withRoutes(routes));
  }

  private static ProxyConfig removeRoute(ProxyConfig c, String name) throws Refused {
    GatewayConfig gateway = c.apiGateway().filter(g -> g.routes().containsKey(name))
        .orElseThrow(() -> new Refused(404, "no route named \"" + name + "\"; known: " + known(c.apiGateway()
            .map(g -> g.routes().keySet()).orElse(Set.of()))));
    Map<String, RouteConfig> routes = new LinkedHashMap<>(gateway.routes());
    routes.remove(name);
    return c.withApiGateway(gateway.withRoutes(routes));
  }

  private static ProxyConfig addUpstream(ProxyConfig c, AddUpstream add) throws Refused {
    UpstreamConfig given = add.upstream();
    Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>(c.upstreams());
    UpstreamConfig existing = upstreams.get(given.name());
    if (existing == null) {
      upstreams.put(given.name(), given);
      return c.withUpstreams(upstreams);
    }
    Set<String> fileOnly = new TreeSet<>(add.keys());
    fileOnly.removeAll(MUTABLE_UPSTREAM_KEYS);
    if (!fileOnly.isEmpty()) {
      throw new Refused(400, "upstream \"" + given.name() + "\" exists: only " + inWords(MUTABLE_UPSTREAM_KEYS)
          + " can be changed through the API, not " + String.join(", ", fileOnly) + " (edit the file and reload)");
    }
    List<ServerEntry> servers = new ArrayList<>(existing.servers());
    for (ServerEntry s : given.servers()) {
      if (servers.stream().anyMatch(e -> e.address().equals(s.address()))) {
        throw new Refused(409, "server " + s.address() + " is already in upstream \"" + given.name() + "\"");
      }
      servers.add(s);
    }
    // The servers are appended; every other key the request names (all API_MUTABLE) replaces the group's.
    Set<String> replaced = new TreeSet<>(add.keys());
    replaced.remove("servers");
    UpstreamConfig merged;
    try {
      merged = ConfigLoader.withKeys(existing.withServers(servers), given, replaced);
    } catch (ConfigException e) {
      throw new Refused(400, e.getMessage());
    }
    upstreams.put(given.name(), merged);
    return c.withUpstreams(upstreams);
  }

  private static ProxyConfig removeServer(ProxyConfig c, RemoveUpstreamServer remove) throws Refused {
    UpstreamConfig existing = c.upstreams().get(remove.upstream());
    if (existing == null) {
      throw new Refused(404, "no upstream named \"" + remove.upstream() + "\"; known: " + known(c.upstreams().keySet()));
    }
    List<ServerEntry> servers = new ArrayList<>(existing.servers());
    if (!servers.removeIf(s -> s.address().equals(remove.server()))) {
      throw new Refused(404, "upstream \"" + remove.upstream() + "\" has no server " + remove.server() + "; it has "
          + known(existing.servers().stream().map(s -> s.address().toString()).toList()));
    }
    Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>(c.upstreams());
    upstreams.put(remove.upstream(), existing.withServers(servers));
    return c.withUpstreams(upstreams);
  }

  /** {@code a, b and c}. */
  private static String inWords(Set<String> words) {
    List<String> list = List.copyOf(words);
    return list.size() < 2 ? String.join("", list)
        : String.join(", ", list.subList(0, list.size() - 1)) + " and " + list.get(list.size() - 1);
  }

  private static String known(java.util.Collection<String> names) {
    return names.isEmpty() ? "(none)" : String.join(", ", names);
  }
}
