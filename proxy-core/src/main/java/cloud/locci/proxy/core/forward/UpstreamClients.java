package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.upstream.Backend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The upstream connections of one proxy instance: a {@link ConnectionPool} per server address, TLS name
 * and TLS trust setting, on top of one Vert.x client per trust setting (or plain HTTP) and connect
 * timeout, which open the connections. The connect timeout is a client option because Vert.x's
 * {@code HttpClientAgent.connect(HttpConnectOptions)} ignores the one given per connection: a server
 * that never completed the TCP handshake held a request for the client's default 60 s. Everything is created on first use and kept for the instance's life, so a
 * reload that keeps an upstream's address and TLS settings keeps its connections (SPEC §10: a pool per
 * address and TLS settings). Confined to the instance's event loop.
 */
public final class UpstreamClients {

  /**
   * How long a connection may stay idle in a pool. Upstreams close idle keep-alive connections on their
   * own schedule (Node.js after 5 s); a shorter idle life here makes it rare that a request is sent on a
   * connection the upstream is closing.
   */
  static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(4);

  /** The largest body chunk the upstream connection hands on at once; see {@link #build}. */
  public static final int MAX_CHUNK_SIZE = 64 * 1024;

  /** What separates one TLS client from another: how the upstream's certificate is verified. */
  record TlsTrust(boolean verify, Optional<String> caPath) {}

  /** One pool's identity: where to connect, the TLS peer name (SNI) and trust, if TLS, and the connect timeout. */
  private record PoolKey(SocketAddress server, String peerHost, int port, Optional<TlsTrust> tls,
      int connectTimeoutMs) {}

  /** What separates one Vert.x client from another. */
  private record ClientKey(Optional<TlsTrust> tls, int connectTimeoutMs) {}

  private final Vertx vertx;
  private final int instances;
  private final Map<ClientKey, HttpClientAgent> clients = new HashMap<>();
  private final Map<PoolKey, ConnectionPool> pools = new HashMap<>();
  private final long sweeper;
  private final SilenceWatch silence = new SilenceWatch();
  private final Http2Upstreams http2;
  private final long silenceTicker;

  /**
   * @param instances the number of proxy instances of the process, which share each upstream's
   *     {@code max_connections_per_server}
   */
  public UpstreamClients(Vertx vertx, int instances) {
    this.vertx = vertx;
    this.instances = Math.max(1, instances);
    this.http2 = new Http2Upstreams(vertx, this.instances);
    this.sweeper = vertx.setPeriodic(1000, id -> sweep());
    this.silenceTicker = vertx.setPeriodic(SilenceWatch.TICK_MS, id -> silence.check());
  }

  /** The route timeouts of this instance's upstream exchanges. */
  SilenceWatch silence() {
    return silence;
  }

  /** The multiplexed connections to the servers of {@code protocol: h2c | h2} upstreams. */
  Http2Upstreams http2() {
    return http2;
  }

  /** The pool of connections to {@code backend} of {@code upstream}. */
  ConnectionPool pool(UpstreamConfig upstream, Backend backend) {
    PoolKey key = new PoolKey(backend.socketAddress(),
        upstream.tls() ? upstream.sni().orElse(backend.address().host()) : backend.address().host(),
        backend.address().port(),
        upstream.tls() ? Optional.of(new TlsTrust(upstream.tlsVerify(), upstream.caPath())) : Optional.empty(),
        (int) TimeUnit.SECONDS.toMillis(upstream.connectTimeoutSecs()));
    ConnectionPool pool = pools.get(key);
    if (pool == null) {
      HttpConnectOptions connect = new HttpConnectOptions()
          .setServer(key.server())
          // With TLS, the host given here is the peer name: sent as SNI and checked against the certificate.
          .setHost(key.peerHost())
          .setPort(key.port())
          .setSsl(upstream.tls())
          .setConnectTimeout(TimeUnit.SECONDS.toMillis(upstream.connectTimeoutSecs()));
      int max = (upstream.maxConnectionsPerServer() + instances - 1) / instances;
      pool = new ConnectionPool(vertx,
          clients.computeIfAbsent(new ClientKey(key.tls(), key.connectTimeoutMs()), this::build), connect, max);
      pools.put(key, pool);
    }
    return pool;
  }

  private HttpClientAgent build(ClientKey key) {
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setTcpNoDelay(true)
        .setKeepAlive(true)
        .setDecompressionSupported(false)
        .setMaxInitialLineLength(64 * 1024)
        .setMaxHeaderSize(64 * 1024)
        // Netty's decoder cuts bodies into chunks of at most this size, and every chunk is one write
        // and one flush (one send syscall) to the client: 8 KiB, the default, made a 64 KiB
        // response 8 sends. A chunk is never held back to fill it; this only stops the cutting.
        .setMaxChunkSize(MAX_CHUNK_SIZE)
        // connect_timeout_secs bounds the TCP handshake and, separately, the TLS handshake.
        .setConnectTimeout(key.connectTimeoutMs())
        .setSslHandshakeTimeout(key.connectTimeoutMs())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    var builder = vertx.httpClientBuilder();
    if (key.tls().isPresent()) {
      TlsTrust trust = key.tls().get();
      ClientSSLOptions ssl = new ClientSSLOptions().setUseAlpn(false)
          .setSslHandshakeTimeout(key.connectTimeoutMs()).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
      if (trust.verify()) {
        // Check the certificate's names against the SNI name (sni, else the address's host).
        ssl.setHostnameVerificationAlgorithm("HTTPS");
        trust.caPath().ifPresent(ca -> ssl.setTrustOptions(new PemTrustOptions().addCertPath(ca)));
      } else {
        ssl.setTrustAll(true).setHostnameVerificationAlgorithm("");
      }
      options.setSsl(true).setVerifyHost(trust.verify());
      return builder.with(options).with(ssl).build();
    }
    return builder.with(options).build();
  }

  /** Once a second: idle connections past their keep-alive time close; pools nobody uses go. */
  private void sweep() {
    http2.sweep();
    for (Iterator<ConnectionPool> it = pools.values().iterator(); it.hasNext(); ) {
      ConnectionPool pool = it.next();
      pool.closeIdleOlderThan(KEEP_ALIVE_NANOS);
      if (pool.isUnused()) {
        it.remove();
      }
    }
  }

  /** Closes every pool and client (at the instance's stop). */
  public Future<Void> close() {
    vertx.cancelTimer(sweeper);
    vertx.cancelTimer(silenceTicker);
    pools.values().forEach(ConnectionPool::close);
    pools.clear();
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    clients.clear();
    closing.add(http2.close());
    return Future.join(closing).mapEmpty();
  }
}
