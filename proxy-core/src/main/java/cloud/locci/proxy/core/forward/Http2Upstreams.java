package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.upstream.Backend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 upstreams of one proxy instance ({@code protocol: h2c | h2}, SPEC §12). Unlike HTTP/1.1,
 * where {@link ConnectionPool} lends a whole connection per exchange, an HTTP/2 connection carries many
 * exchanges at once as streams; Vert.x's client pool already does that: each connection takes streams up
 * to the server's {@code SETTINGS_MAX_CONCURRENT_STREAMS}, then the pool opens another, up to
 * {@code max_connections_per_server} (shared by the instances like HTTP/1.1's), and a request that finds
 * every stream slot taken waits for one within the connect timeout. So an attempt's lease is one stream:
 * the {@link HttpClientRequest} itself; ending it (or resetting it, which resets that stream only) gives
 * the slot back.
 *
 * <p>One Vert.x client per protocol, TLS trust, connect timeout and connection limit (the pool inside it
 * keeps one set of connections per server address and TLS name). Created on first use and kept for the
 * instance's life, so a reload that keeps an upstream's settings keeps its connections. Confined to the
 * instance's event loop.
 */
final class Http2Upstreams {

  /**
   * How long an HTTP/2 connection with no stream stays open. HTTP/2 servers announce their own closing
   * with GOAWAY, so a request never lands on a connection the server is closing unannounced; this only
   * bounds what idle connections cost both sides.
   */
  static final int IDLE_SECS = 30;

  /** What separates one Vert.x client from another. */
  private record ClientKey(UpstreamConfig.Protocol protocol, Optional<UpstreamClients.TlsTrust> tls,
      int connectTimeoutMs, int maxConnections) {}

  private final Vertx vertx;
  private final int instances;
  private final Map<ClientKey, HttpClientAgent> clients = new HashMap<>();

  Http2Upstreams(Vertx vertx, int instances) {
    this.vertx = vertx;
    this.instances = Math.max(1, instances);
  }

  /**
   * Opens a stream to {@code backend} of {@code upstream}: connects first if no connection has a free
   * stream slot (and the limit allows), else waits for a slot. Fails like a connect (refused, TLS,
   * timeout: the connect timeout also bounds the wait for a slot), with nothing of the request sent.
   */
  Future<HttpClientRequest> open(UpstreamConfig upstream, Backend backend, HttpMethod method, String uri) {
    int connectTimeoutMs = (int) TimeUnit.SECONDS.toMillis(upstream.connectTimeoutSecs());
    int max = (upstream.maxConnectionsPerServer() + instances - 1) / instances;
    ClientKey key = new ClientKey(upstream.protocol(),
        upstream.tls() ? Optional.of(new UpstreamClients.TlsTrust(upstream.tlsVerify(), upstream.caPath()))
            : Optional.empty(),
        connectTimeoutMs, max);
    HttpClientAgent client = clients.computeIfAbsent(key, this::build);
    RequestOptions options = new RequestOptions()
        .setServer(backend.socketAddress())
        // With TLS, the host given here is the peer name: sent as SNI and checked against the certificate.
        .setHost(upstream.tls() ? upstream.sni().orElse(backend.address().host()) : backend.address().host())
        .setPort(backend.address().port())
        .setSsl(upstream.tls())
        .setMethod(method)
        .setURI(uri)
        // The time to get a stream: a connection (TCP and TLS handshakes) or a free slot on one.
        .setConnectTimeout(connectTimeoutMs)
        // No Vert.x idle timeout: the route timeout is SilenceWatch's, over the whole exchange.
        .setIdleTimeout(0);
    return client.request(options);
  }

  private HttpClientAgent build(ClientKey key) {
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        // h2c: prior knowledge, no HTTP/1.1 Upgrade round trip (gRPC servers speak HTTP/2 at once).
        .setHttp2ClearTextUpgrade(false)
        // Streams per connection: the server's SETTINGS_MAX_CONCURRENT_STREAMS, nothing lower of ours.
        .setHttp2MultiplexingLimit(-1)
        .setHttp2KeepAliveTimeout(IDLE_SECS)
        .setTcpNoDelay(true)
        .setKeepAlive(true)
        .setDecompressionSupported(false)
        .setMaxHeaderSize(64 * 1024)
        .setConnectTimeout(key.connectTimeoutMs())
        .setSslHandshakeTimeout(key.connectTimeoutMs())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    PoolOptions pool = new PoolOptions().setHttp2MaxSize(key.maxConnections());
    var builder = vertx.httpClientBuilder().with(pool);
    if (key.tls().isPresent()) {
      UpstreamClients.TlsTrust trust = key.tls().get();
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

  /** Closes every client and its connections (at the instance's stop). */
  Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    clients.clear();
    return Future.join(closing).mapEmpty();
  }
}
