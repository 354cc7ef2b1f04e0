package cloud.locci.proxy.core.mirror;

import cloud.locci.proxy.core.config.MirrorConfig;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.RequestTap;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A route's {@code mirror} in one config version: the mirror upstream's group (with the health of this
 * snapshot), the share copied and the process-wide {@link Mirrors} state. Immutable; each forwarded
 * request of the route gets its own {@link MirrorCopy} ({@link #tap}).
 */
public final class MirrorPlan {

  /** Connections per mirror server and event loop: copies beyond wait in the client's queue. */
  private static final int POOL_SIZE = 16;
  /** HTTP/2 connections per mirror server and event loop: each carries many copies as streams. */
  private static final int H2_POOL_SIZE = 2;

  final Vertx vertx;
  final String route;
  final UpstreamGroup group;
  final MirrorConfig config;
  final long timeoutMs;
  final Mirrors shared;

  /**
   * @param route the route's name (the {@code route} label)
   * @param group the group named by {@code mirror.upstream}
   * @param timeoutMs how long a copy may take, connect to last response byte (the route's {@code timeout_secs})
   */
  public MirrorPlan(Vertx vertx, String route, UpstreamGroup group, MirrorConfig config, long timeoutMs) {
    this.vertx = vertx;
    this.route = route;
    this.group = group;
    this.config = config;
    this.timeoutMs = timeoutMs;
    this.shared = Mirrors.of(vertx);
    shared.counts(route); // the series exist from the start, at 0
  }

  /** The tap that copies {@code exchange}'s request (if sampled) as it is forwarded. */
  public RequestTap tap(Exchange exchange) {
    SocketAddress peer = exchange.request().remoteAddress();
    return new MirrorCopy(this, peer == null ? "" : peer.hostAddress());
  }

  /** The upstream group copies go to. */
  public UpstreamGroup group() {
    return group;
  }

  /**
   * The client for the mirror upstream's {@code protocol}: copies to {@code h2c}/{@code h2} servers go as
   * HTTP/2 streams (prior knowledge in cleartext, ALPN over TLS), multiplexed on a few connections per
   * server and event loop, like the proxied requests; to {@code http1} servers over pooled HTTP/1.1.
   */
  HttpClientAgent client() {
    boolean http2 = group.config().protocol().multiplexed();
    return shared.client(http2, () -> {
      HttpClientOptions options = new HttpClientOptions()
          .setKeepAlive(true)
          .setTcpNoDelay(true)
          .setDecompressionSupported(false)
          .setMaxInitialLineLength(64 * 1024)
          .setMaxHeaderSize(64 * 1024);
      if (http2) {
        options.setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
            .setHttp2MultiplexingLimit(-1).setUseAlpn(true);
      } else {
        options.setProtocolVersion(HttpVersion.HTTP_1_1);
      }
      return vertx.httpClientBuilder()
          .with(options)
          .with(new PoolOptions().setHttp1MaxSize(POOL_SIZE).setHttp2MaxSize(H2_POOL_SIZE)
              .setMaxWaitQueueSize(Mirrors.MAX_IN_FLIGHT))
          .build();
    });
  }

  /** The TLS options of the mirror upstream, or null when it is plain HTTP. */
  ClientSSLOptions tls() {
    UpstreamConfig u = group.config();
    if (!u.tls()) {
      return null;
    }
    boolean h2 = u.protocol().multiplexed();
    String key = u.tlsVerify() + "|" + u.connectTimeoutSecs() + "|" + u.caPath().orElse("") + "|" + h2;
    return shared.tls(key, () -> {
      // h2: ALPN offers h2 (and http/1.1, which a server without HTTP/2 picks).
      ClientSSLOptions ssl = new ClientSSLOptions().setUseAlpn(h2)
          .setSslHandshakeTimeout(TimeUnit.SECONDS.toMillis(u.connectTimeoutSecs()))
          .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
      if (u.tlsVerify()) {
        ssl.setHostnameVerificationAlgorithm("HTTPS");
        u.caPath().ifPresent(ca -> ssl.setTrustOptions(new PemTrustOptions().addCertPath(ca)));
      } else {
        ssl.setTrustAll(true).setHostnameVerificationAlgorithm("");
      }
      return ssl;
    });
  }
}
