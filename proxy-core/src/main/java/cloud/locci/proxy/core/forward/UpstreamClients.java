package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.Protocol;
import cloud.locci.proxy.core.upstream.Backend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The upstream side of one proxy instance: one {@link UpstreamTransport} per wire protocol, which hands
 * out leases on pooled connections keyed by address, TLS settings and protocol, and the instance's
 * {@link SilenceWatch}. Everything is created on first use and kept for the instance's life, so a reload
 * that keeps an upstream's address and TLS settings keeps its connections (SPEC §10: a pool per address
 * and TLS settings). Confined to the instance's event loop.
 */
final class UpstreamClients {

  /**
   * How long a connection may stay idle in a pool. Upstreams close idle keep-alive connections on their
   * own schedule (Node.js after 5 s); a shorter idle life here makes it rare that a request is sent on a
   * connection the upstream is closing.
   */
  static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(4);

  /** The largest body chunk the upstream connection hands on at once; see {@link Http1Transport}. */
  static final int MAX_CHUNK_SIZE = 64 * 1024;

  private final Vertx vertx;
  private final int instances;
  private final Map<Protocol, UpstreamTransport> transports = new EnumMap<>(Protocol.class);
  private final long sweeper;
  private final SilenceWatch silence = new SilenceWatch();
  private final Http2Upstreams http2;
  private final Http2Transport streams;
  private final long silenceTicker;
  /** {@link #cachedKey}'s entries: the key of a server for the upstream settings it was made with. */
  private final Map<Backend, KnownKey> keys = new IdentityHashMap<>();

  private record KnownKey(UpstreamConfig upstream, UpstreamTransport.Key key) {}

  /** More cached keys than this (servers of old config versions pile up): cleared at the next sweep. */
  private static final int MAX_KEYS = 1024;

  /**
   * @param instances the number of proxy instances of the process, which share each upstream's
   *     {@code max_connections_per_server}
   */
  UpstreamClients(Vertx vertx, int instances) {
    this.vertx = vertx;
    this.instances = Math.max(1, instances);
    transports.put(Protocol.HTTP1, new Http1Transport(vertx));
    this.http2 = new Http2Upstreams(vertx, this.instances);
    this.streams = new Http2Transport(http2);
    this.sweeper = vertx.setPeriodic(1000, id -> sweep());
    this.silenceTicker = vertx.setPeriodic(SilenceWatch.TICK_MS, id -> silence.check());
  }

  /** The route timeouts of this instance's upstream exchanges. */
  SilenceWatch silence() {
    return silence;
  }

  /** The wire protocol spoken to the servers of {@code upstream}. */
  static Protocol protocol(UpstreamConfig upstream) {
    return upstream.protocol();
  }

  /** The pool identity of {@code backend} of {@code upstream}. */
  static UpstreamTransport.Key key(UpstreamConfig upstream, Backend backend) {
    return key(upstream, backend, protocol(upstream));
  }

  private static UpstreamTransport.Key key(UpstreamConfig upstream, Backend backend, Protocol protocol) {
    return new UpstreamTransport.Key(backend.socketAddress(),
        upstream.tls() ? upstream.sni().orElse(backend.address().host()) : backend.address().host(),
        backend.address().port(),
        upstream.tls() ? Optional.of(new UpstreamTransport.TlsTrust(upstream.tlsVerify(), upstream.caPath()))
            : Optional.empty(),
        protocol,
        (int) TimeUnit.SECONDS.toMillis(upstream.connectTimeoutSecs()));
  }

  /**
   * A lease for one exchange with {@code backend} of {@code upstream} ({@link UpstreamTransport#open}).
   *
   * @param fresh only a newly opened connection will do
   */
  Future<UpstreamTransport.Lease> lease(UpstreamConfig upstream, Backend backend, boolean fresh) {
    return lease(upstream, backend, fresh, false);
  }

  /**
   * As {@link #lease(UpstreamConfig, Backend, boolean)}; a WebSocket handshake ({@code webSocket}) to an
   * {@code h2c}/{@code h2} upstream gets an HTTP/1.1 lease on the same server (TLS without ALPN h2 for
   * {@code h2}): WebSocket over HTTP/2 needs RFC 8441's extended CONNECT, which Vert.x's client does not
   * send, and servers that speak h2c or h2 mostly speak HTTP/1.1 on the same port too. A server that does
   * not answers the handshake with something other than 101 (relayed) or closes (502).
   */
  Future<UpstreamTransport.Lease> lease(UpstreamConfig upstream, Backend backend, boolean fresh, boolean webSocket) {
    if (upstream.protocol().multiplexed() && !webSocket) {
      return streams.open(upstream, backend, TimeUnit.SECONDS.toMillis(upstream.connectTimeoutSecs()));
    }
    UpstreamTransport.Key key = webSocket && upstream.protocol().multiplexed()
        ? key(upstream, backend, Protocol.HTTP1) : cachedKey(upstream, backend);
    UpstreamTransport transport = transports.get(key.protocol());
    if (transport == null) {
      return Future.failedFuture(new IllegalStateException("no transport for upstream protocol "
          + key.protocol().yamlName()));
    }
    int max = (upstream.maxConnectionsPerServer() + instances - 1) / instances;
    return transport.open(key, max, fresh);
  }

  /**
   * {@link #key}, made once per server and upstream settings rather than per request (a record, an
   * Optional and the hashing of a new key each time). Keyed by identity: a reload makes new
   * {@code Backend}s, and the entries of old ones go at the next {@link #sweep} once there are many.
   */
  private UpstreamTransport.Key cachedKey(UpstreamConfig upstream, Backend backend) {
    KnownKey known = keys.get(backend);
    if (known == null || known.upstream() != upstream) {
      known = new KnownKey(upstream, key(upstream, backend));
      keys.put(backend, known);
    }
    return known.key();
  }

  /** Registers the transport of {@code protocol} (replacing the current one), before any request. */
  void transport(Protocol protocol, UpstreamTransport transport) {
    transports.put(protocol, transport);
  }

  Vertx vertx() {
    return vertx;
  }

  /** Once a second: idle connections past their keep-alive time close; pools nobody uses go. */
  private void sweep() {
    if (keys.size() > MAX_KEYS) {
      keys.clear();
    }
    http2.sweep();
    for (UpstreamTransport t : transports.values()) {
      t.sweep(KEEP_ALIVE_NANOS);
    }
  }

  /** Closes every pool and client (at the instance's stop). */
  Future<Void> close() {
    vertx.cancelTimer(sweeper);
    vertx.cancelTimer(silenceTicker);
    List<Future<Void>> closing = new ArrayList<>();
    transports.values().forEach(t -> closing.add(t.close()));
    closing.add(http2.close());
    return Future.join(closing).mapEmpty();
  }
}
