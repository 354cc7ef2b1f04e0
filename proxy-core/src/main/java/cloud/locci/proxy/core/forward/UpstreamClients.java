package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pooled upstream HTTP clients of one proxy instance: one for plain HTTP and one per distinct TLS
 * trust setting, each keeping its keep-alive connections per server. Clients are created on first use
 * and kept for the instance's life, so a reload that keeps an upstream's TLS settings keeps its pooled
 * connections (SPEC §10: a pool per address and TLS settings). Confined to the instance's event loop.
 */
public final class UpstreamClients {

  /** What separates one TLS client from another: how the upstream's certificate is verified. */
  record TlsTrust(boolean verify, Optional<String> caPath) {}

  private final Vertx vertx;
  private final int maxPerServer;
  private final HttpClient plain;
  private final Map<TlsTrust, HttpClient> tls = new HashMap<>();

  /**
   * @param maxPerServer pooled connections per server for this instance
   */
  public UpstreamClients(Vertx vertx, int maxPerServer) {
    this.vertx = vertx;
    this.maxPerServer = maxPerServer;
    this.plain = build(null);
  }

  /** The client for {@code upstream}'s servers. */
  HttpClient clientFor(UpstreamConfig upstream) {
    if (!upstream.tls()) {
      return plain;
    }
    return tls.computeIfAbsent(new TlsTrust(upstream.tlsVerify(), upstream.caPath()), this::tlsClient);
  }

  private HttpClient tlsClient(TlsTrust trust) {
    ClientSSLOptions ssl = new ClientSSLOptions().setUseAlpn(false);
    if (trust.verify()) {
      // Check the certificate's names against the SNI name (sni, else the address's host).
      ssl.setHostnameVerificationAlgorithm("HTTPS");
      trust.caPath().ifPresent(ca -> ssl.setTrustOptions(new PemTrustOptions().addCertPath(ca)));
    } else {
      ssl.setTrustAll(true).setHostnameVerificationAlgorithm("");
    }
    return build(ssl);
  }

  private HttpClient build(ClientSSLOptions ssl) {
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setTcpNoDelay(true)
        .setKeepAlive(true)
        // Upstreams close idle keep-alive connections on their own schedule (Node.js after 5 s); a
        // short idle life here makes it rare that a request is sent on a connection being closed.
        .setKeepAliveTimeout(4)
        .setDecompressionSupported(false)
        .setMaxInitialLineLength(64 * 1024)
        .setMaxHeaderSize(64 * 1024);
    if (ssl != null) {
      options.setSsl(true).setVerifyHost(ssl.getHostnameVerificationAlgorithm() != null
          && !ssl.getHostnameVerificationAlgorithm().isEmpty());
    }
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(maxPerServer).setMaxWaitQueueSize(-1);
    var builder = vertx.httpClientBuilder().with(options).with(pool);
    if (ssl != null) {
      builder.with(ssl);
    }
    return builder.build();
  }

  /** Closes every client (at the instance's stop). */
  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    closing.add(plain.close());
    tls.values().forEach(c -> closing.add(c.close()));
    return Future.join(closing).mapEmpty();
  }
}
