package cloud.locci.proxy.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of the top-level {@code upstreams} map: a named group of servers and how to reach them.
 *
 * @param name the map key, referenced by {@code load_balancer.upstream} and by routes
 * @param servers at least one server, in YAML order
 * @param strategy how a server is chosen (default {@code round_robin})
 * @param hashOn what {@code consistent_hash} hashes (default the client address)
 * @param tls connect to the servers over TLS (default false)
 * @param sni server name sent in the TLS handshake and verified; empty means the address's host
 * @param tlsVerify verify the servers' certificates (default true)
 * @param caPath PEM file of trusted CAs; empty means the JVM's trust store
 * @param healthCheck active checks; empty means none (servers are assumed healthy)
 * @param passive passive ejection on failed requests; empty means none
 * @param maxConnectionsPerServer pooled connections per server and process (default 1000)
 * @param connectTimeoutSecs TCP (and TLS) connect timeout (default 5)
 * @param protocol how requests are sent to the servers: HTTP/1.1, cleartext HTTP/2 with prior knowledge, or
 *     HTTP/2 over TLS (default {@code http1}; SPEC §12)
 */
public record UpstreamConfig(
    String name,
    List<ServerEntry> servers,
    Strategy strategy,
    HashOn hashOn,
    boolean tls,
    Optional<String> sni,
    boolean tlsVerify,
    Optional<String> caPath,
    Optional<HealthCheckConfig> healthCheck,
    Optional<PassiveConfig> passive,
    int maxConnectionsPerServer,
    int connectTimeoutSecs,
    Protocol protocol) {

  public static final int DEFAULT_MAX_CONNECTIONS_PER_SERVER = 1000;
  public static final int DEFAULT_CONNECT_TIMEOUT_SECS = 5;

  public UpstreamConfig {
    Objects.requireNonNull(name, "name");
    servers = List.copyOf(servers);
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(hashOn, "hashOn");
    Objects.requireNonNull(protocol, "protocol");
  }

  /** Every key but {@code protocol}, which takes its default ({@code http1}). */
  public UpstreamConfig(String name, List<ServerEntry> servers, Strategy strategy, HashOn hashOn, boolean tls,
      Optional<String> sni, boolean tlsVerify, Optional<String> caPath, Optional<HealthCheckConfig> healthCheck,
      Optional<PassiveConfig> passive, int maxConnectionsPerServer, int connectTimeoutSecs) {
    this(name, servers, strategy, hashOn, tls, sni, tlsVerify, caPath, healthCheck, passive,
        maxConnectionsPerServer, connectTimeoutSecs, Protocol.HTTP1);
  }

  public UpstreamConfig withProtocol(Protocol newProtocol) {
    return new UpstreamConfig(name, servers, strategy, hashOn, tls, sni, tlsVerify, caPath,
        healthCheck, passive, maxConnectionsPerServer, connectTimeoutSecs, newProtocol);
  }

  /** {@code upstreams.<name>.protocol}: how the proxy talks to the servers of a group. */
  public enum Protocol {
    /** HTTP/1.1, one request at a time per pooled keep-alive connection. */
    HTTP1("http1"),
    /** Cleartext HTTP/2 with prior knowledge (no upgrade), requests multiplexed as streams. */
    H2C("h2c"),
    /** HTTP/2 over TLS (ALPN h2), requests multiplexed as streams; needs {@code tls: true}. */
    H2("h2");

    private final String yamlName;

    Protocol(String yamlName) {
      this.yamlName = yamlName;
    }

    public String yamlName() {
      return yamlName;
    }

    /** Whether requests share connections as HTTP/2 streams. */
    public boolean multiplexed() {
      return this != HTTP1;
    }

    public static Optional<Protocol> parse(String s) {
      for (Protocol p : values()) {
        if (p.yamlName.equals(s)) {
          return Optional.of(p);
        }
      }
      return Optional.empty();
    }
  }

  /** A plain round-robin group of servers with every other key at its default. */
  public static UpstreamConfig of(String name, List<ServerEntry> servers) {
    return new UpstreamConfig(name, servers, Strategy.ROUND_ROBIN, HashOn.CLIENT_IP, false,
        Optional.empty(), true, Optional.empty(), Optional.empty(), Optional.empty(),
        DEFAULT_MAX_CONNECTIONS_PER_SERVER, DEFAULT_CONNECT_TIMEOUT_SECS);
  }

  public UpstreamConfig withServers(List<ServerEntry> newServers) {
    return new UpstreamConfig(name, newServers, strategy, hashOn, tls, sni, tlsVerify, caPath,
        healthCheck, passive, maxConnectionsPerServer, connectTimeoutSecs, protocol);
  }

  public UpstreamConfig withStrategy(Strategy newStrategy) {
    return new UpstreamConfig(name, servers, newStrategy, hashOn, tls, sni, tlsVerify, caPath,
        healthCheck, passive, maxConnectionsPerServer, connectTimeoutSecs, protocol);
  }

  public UpstreamConfig withHashOn(HashOn newHashOn) {
    return new UpstreamConfig(name, servers, strategy, newHashOn, tls, sni, tlsVerify, caPath,
        healthCheck, passive, maxConnectionsPerServer, connectTimeoutSecs, protocol);
  }

  /** A server of a group: {@code "host:port"} or {@code {address: "host:port", weight: N}}. */
  public record ServerEntry(ServerAddress address, int weight) {
    public ServerEntry {
      Objects.requireNonNull(address, "address");
      if (weight < 1) {
        throw new IllegalArgumentException("weight must be at least 1");
      }
    }

    public static ServerEntry of(String address) {
      return new ServerEntry(ServerAddress.parse(address), 1);
    }
  }

  /** The {@code strategy} key's values. */
  public enum Strategy {
    ROUND_ROBIN("round_robin"),
    WEIGHTED_ROUND_ROBIN("weighted_round_robin"),
    LEAST_CONNECTIONS("least_connections"),
    RANDOM_TWO_CHOICES("random_two_choices"),
    CONSISTENT_HASH("consistent_hash");

    private final String yamlName;

    Strategy(String yamlName) {
      this.yamlName = yamlName;
    }

    public String yamlName() {
      return yamlName;
    }

    public static Optional<Strategy> parse(String text) {
      for (Strategy s : values()) {
        if (s.yamlName.equals(text)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * What {@code consistent_hash} hashes: {@code client_ip}, {@code path} or {@code header:NAME}.
   *
   * @param header the header name when {@code kind} is HEADER, else empty
   */
  public record HashOn(Kind kind, String header) {
    public static final HashOn CLIENT_IP = new HashOn(Kind.CLIENT_IP, "");
    public static final HashOn PATH = new HashOn(Kind.PATH, "");

    public enum Kind { CLIENT_IP, PATH, HEADER }

    public static Optional<HashOn> parse(String text) {
      if ("client_ip".equals(text)) {
        return Optional.of(CLIENT_IP);
      }
      if ("path".equals(text)) {
        return Optional.of(PATH);
      }
      if (text != null && text.startsWith("header:") && text.length() > "header:".length()) {
        return Optional.of(new HashOn(Kind.HEADER, text.substring("header:".length()).trim()));
      }
      return Optional.empty();
    }

    /** The YAML spelling, the inverse of {@link #parse}. */
    @Override
    public String toString() {
      return switch (kind) {
        case CLIENT_IP -> "client_ip";
        case PATH -> "path";
        case HEADER -> "header:" + header;
      };
    }
  }

  /**
   * {@code health_check}: an HTTP GET of {@code path} expecting 2xx, or a TCP connect when there is no path.
   *
   * @param intervalSecs time between two checks of one server (default 10)
   * @param timeoutSecs time one check may take (default 2)
   * @param path the HTTP path; empty means a TCP connect check
   * @param healthyThreshold consecutive successes that bring a server back (default 1)
   * @param unhealthyThreshold consecutive failures that take a server out (default 1)
   */
  public record HealthCheckConfig(
      int intervalSecs, int timeoutSecs, Optional<String> path, int healthyThreshold, int unhealthyThreshold) {
    public static final int DEFAULT_INTERVAL_SECS = 10;
    public static final int DEFAULT_TIMEOUT_SECS = 2;
  }

  /**
   * {@code passive}: nginx's {@code max_fails} / {@code fail_timeout}. A server that fails
   * {@code maxFails} proxied requests within {@code failTimeoutSecs} leaves the rotation for
   * {@code failTimeoutSecs}.
   */
  public record PassiveConfig(int maxFails, int failTimeoutSecs) {
    public static final int DEFAULT_MAX_FAILS = 1;
    public static final int DEFAULT_FAIL_TIMEOUT_SECS = 10;
  }
}
