package cloud.locci.proxy.core.forward;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 {@link UpstreamTransport} on Vert.x's HTTP client: a {@link ConnectionPool} per
 * {@link UpstreamTransport.Key}, on top of one Vert.x client per TLS trust setting (or plain HTTP) and
 * connect timeout, which only opens connections (the request path never goes through the client's own
 * pool). The connect timeout is a client option because Vert.x's
 * {@code HttpClientAgent.connect(HttpConnectOptions)} ignores the one given per connection: a server that
 * never completed the TCP handshake held a request for the client's default 60 s. Confined to the
 * instance's event loop.
 */
final class Http1Transport implements UpstreamTransport {

  /** What separates one Vert.x client from another. */
  private record ClientKey(Optional<TlsTrust> tls, int connectTimeoutMs) {}

  private final Vertx vertx;
  private final Map<ClientKey, HttpClientAgent> clients = new HashMap<>();
  private final Map<Key, ConnectionPool> pools = new HashMap<>();

  Http1Transport(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<Lease> open(Key key, int maxConnections, boolean fresh) {
    ConnectionPool pool = pools.get(key);
    if (pool == null) {
      HttpConnectOptions connect = new HttpConnectOptions()
          .setServer(key.server())
          // With TLS, the host given here is the peer name: sent as SNI and checked against the certificate.
          .setHost(key.peerHost())
          .setPort(key.port())
          .setSsl(key.tls().isPresent())
          .setConnectTimeout(key.connectTimeoutMs());
      pool = new ConnectionPool(vertx,
          clients.computeIfAbsent(new ClientKey(key.tls(), key.connectTimeoutMs()), this::build), connect,
          Math.max(1, maxConnections));
      pools.put(key, pool);
    }
    return pool.acquire(key.connectTimeoutMs(), fresh);
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
        .setMaxChunkSize(UpstreamClients.MAX_CHUNK_SIZE)
        // connect_timeout_secs bounds the TCP handshake and, separately, the TLS handshake.
        .setConnectTimeout(key.connectTimeoutMs())
        .setSslHandshakeTimeout(key.connectTimeoutMs())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    var builder = vertx.httpClientBuilder();
    if (key.tls().isPresent()) {
      options.setSsl(true).setVerifyHost(key.tls().get().verify());
      return builder.with(options).with(sslOptions(key.tls().get(), key.connectTimeoutMs(), false)).build();
    }
    return builder.with(options).build();
  }

  /**
   * The TLS client options for {@code trust}: the certificate's names checked against the SNI name
   * ({@code sni}, else the address's host) and the chain against {@code ca_path} or the JVM's roots, or
   * nothing checked with {@code tls_verify: false}.
   *
   * @param alpn offer protocols by ALPN (an HTTP/2 transport offers h2)
   */
  static ClientSSLOptions sslOptions(TlsTrust trust, int handshakeTimeoutMs, boolean alpn) {
    ClientSSLOptions ssl = new ClientSSLOptions().setUseAlpn(alpn)
        .setSslHandshakeTimeout(handshakeTimeoutMs).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (trust.verify()) {
      ssl.setHostnameVerificationAlgorithm("HTTPS");
      trust.caPath().ifPresent(ca -> ssl.setTrustOptions(new PemTrustOptions().addCertPath(ca)));
    } else {
      ssl.setTrustAll(true).setHostnameVerificationAlgorithm("");
    }
    return ssl;
  }

  @Override
  public void sweep(long idleNanos) {
    for (Iterator<ConnectionPool> it = pools.values().iterator(); it.hasNext(); ) {
      ConnectionPool pool = it.next();
      pool.closeIdleOlderThan(idleNanos);
      if (pool.isUnused()) {
        it.remove();
      }
    }
  }

  @Override
  public Future<Void> close() {
    pools.values().forEach(ConnectionPool::close);
    pools.clear();
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    clients.clear();
    return Future.join(closing).mapEmpty();
  }
}
