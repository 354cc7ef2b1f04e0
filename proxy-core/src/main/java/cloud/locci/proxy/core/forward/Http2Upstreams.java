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
 * The HTTP/2 upstreams of one proxy instance ({@code protocol: h2c | h2}, SPEC §12): an {@link Http2Pool}
 * per server address, TLS name and trust, on top of one Vert.x client per protocol, TLS trust and connect
 * timeout, which opens the connections (prior knowledge in cleartext, ALPN h2 with TLS). Unlike HTTP/1.1,
 * where {@link ConnectionPool} lends a whole connection per exchange, an attempt here holds one stream.
 * Created on first use and kept for the instance's life, so a reload that keeps an upstream's settings
 * keeps its connections. Confined to the instance's event loop.
 */
final class Http2Upstreams {

  /**
   * How long an HTTP/2 connection with no stream stays open. HTTP/2 servers announce their own closing
   * with GOAWAY, so this only bounds what idle connections cost both sides.
   */
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** What separates one Vert.x client from another. */
  private record ClientKey(UpstreamConfig.Protocol protocol, Optional<UpstreamTransport.TlsTrust> tls,
      int connectTimeoutMs) {}

  /** One pool's identity. */
  private record PoolKey(ClientKey client, SocketAddress server, String peerHost, int port, int max) {}

  private final Vertx vertx;
  private final int instances;
  private final Map<ClientKey, HttpClientAgent> clients = new HashMap<>();
  private final Map<PoolKey, Http2Pool> pools = new HashMap<>();

  Http2Upstreams(Vertx vertx, int instances) {
    this.vertx = vertx;
    this.instances = Math.max(1, instances);
  }

  /** The streams to {@code backend} of {@code upstream}. */
  Http2Pool pool(UpstreamConfig upstream, Backend backend) {
    int connectTimeoutMs = (int) TimeUnit.SECONDS.toMillis(upstream.connectTimeoutSecs());
    ClientKey clientKey = new ClientKey(upstream.protocol(),
        upstream.tls() ? Optional.of(new UpstreamTransport.TlsTrust(upstream.tlsVerify(), upstream.caPath()))
            : Optional.empty(),
        connectTimeoutMs);
    // max_connections_per_server is shared by the instances, as for HTTP/1.1.
    int max = (upstream.maxConnectionsPerServer() + instances - 1) / instances;
    PoolKey key = new PoolKey(clientKey, backend.socketAddress(),
        upstream.tls() ? upstream.sni().orElse(backend.address().host()) : backend.address().host(),
        backend.address().port(), max);
    Http2Pool pool = pools.get(key);
    if (pool == null) {
      HttpConnectOptions connect = new HttpConnectOptions()
          .setServer(key.server())
          // With TLS, the host given here is the peer name: sent as SNI and checked against the certificate.
          .setHost(key.peerHost())
          .setPort(key.port())
          .setSsl(upstream.tls())
          .setConnectTimeout(connectTimeoutMs);
      pool = new Http2Pool(vertx, clients.computeIfAbsent(clientKey, this::build), connect, max);
      pools.put(key, pool);
    }
    return pool;
  }

  private HttpClientAgent build(ClientKey key) {
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        // h2c: prior knowledge, no HTTP/1.1 Upgrade round trip (gRPC servers speak HTTP/2 at once).
        .setHttp2ClearTextUpgrade(false)
        // Streams per connection: the server's SETTINGS_MAX_CONCURRENT_STREAMS, nothing lower of ours.
        .setHttp2MultiplexingLimit(-1)
        .setTcpNoDelay(true)
        .setKeepAlive(true)
        .setDecompressionSupported(false)
        .setMaxHeaderSize(64 * 1024)
        // connect_timeout_secs bounds the TCP handshake and, separately, the TLS handshake.
        .setConnectTimeout(key.connectTimeoutMs())
        .setSslHandshakeTimeout(key.connectTimeoutMs())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    var builder = vertx.httpClientBuilder();
    if (key.tls().isPresent()) {
      UpstreamTransport.TlsTrust trust = key.tls().get();
      // ALPN offers h2 (and http/1.1, which a server without HTTP/2 picks: the request still works).
      ClientSSLOptions ssl = new ClientSSLOptions().setUseAlpn(true)
          .setSslHandshakeTimeout(key.connectTimeoutMs()).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
      if (trust.verify()) {
        ssl.setHostnameVerificationAlgorithm("HTTPS");
        trust.caPath().ifPresent(ca -> ssl.setTrustOptions(new PemTrustOptions().addCertPath(ca)));
      } else {
        ssl.setTrustAll(true).setHostnameVerificationAlgorithm("");
      }
      options.setSsl(true).setUseAlpn(true).setVerifyHost(trust.verify());
      return builder.with(options).with(ssl).build();
    }
    return builder.with(options).build();
  }

  /** Once a second (from {@link UpstreamClients}): idle connections close; pools nobody uses go. */
  void sweep() {
    for (Iterator<Http2Pool> it = pools.values().iterator(); it.hasNext(); ) {
      Http2Pool pool = it.next();
      pool.closeIdleOlderThan(IDLE_NANOS);
      if (pool.isUnused()) {
        it.remove();
      }
    }
  }

  /** Closes every pool and client (at the instance's stop). */
  Future<Void> close() {
    pools.values().forEach(Http2Pool::close);
    pools.clear();
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    clients.clear();
    return Future.join(closing).mapEmpty();
  }
}
