package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig.Protocol;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The upstream connections of one proxy instance for one wire protocol, handed out as <em>leases</em>:
 * the right to run one exchange (one request and its response) on some connection to one server. A
 * lease is a stream slot, not a connection: on HTTP/1.1 it holds a whole connection, on HTTP/2 one
 * stream among many on a shared connection. {@link ExchangeDriver} only ever sees leases, so the
 * request path is the same whatever the protocol; {@link UpstreamClients} keeps one transport per
 * {@link Protocol}.
 *
 * <h2>Contract for implementations</h2>
 * <ul>
 *   <li><b>Threading.</b> One transport per proxy instance, confined to that instance's event loop:
 *       every method is called on it, every future completes on it. No locks.</li>
 *   <li><b>Pools.</b> Connections are pooled per {@link Key} (server address, TLS peer name and trust,
 *       protocol, connect timeout). A pool is created on first use and kept while it has connections
 *       or waiters, so a reload that keeps an upstream's address and TLS settings keeps its
 *       connections. {@code maxConnections} (this instance's share of
 *       {@code max_connections_per_server}) bounds the <em>connections</em> of one pool, never the
 *       streams.</li>
 *   <li><b>{@link #open}.</b> Completes with a lease as soon as a slot is free: HTTP/1.1 takes the most
 *       recently used idle connection, else opens one; HTTP/2 takes a connection whose active streams
 *       are below the peer's {@code SETTINGS_MAX_CONCURRENT_STREAMS} (busiest first keeps connections
 *       few), else opens one. With {@code maxConnections} open and none with a free slot, the caller
 *       waits in FIFO order for at most the key's connect timeout, then fails with {@link Exhausted}
 *       (the proxy's own limit: not counted against the server). A failed connect fails the future with
 *       its cause as Netty/Vert.x reported it ({@code ConnectException}, {@code SSLException},
 *       {@code ConnectTimeoutException}): {@link Forwarder#classify} turns it into the reason word.</li>
 *   <li><b>fresh.</b> {@code open(key, max, true)}: the lease must be on a connection opened for it (the
 *       previous attempt failed on a reused connection that the server had probably closed). When the
 *       pool is full an idle connection is closed to make room; HTTP/2 opens a new connection even if
 *       an existing one has free streams.</li>
 *   <li><b>Ending a lease.</b> Exactly one of {@link Lease#recycle}, {@link Lease#abort} or
 *       {@link Lease#tunnel} is called, once; after it the driver touches neither the lease nor its
 *       request again.</li>
 *   <li><b>{@link #sweep}</b> runs once a second: idle connections older than the keep-alive time close
 *       (HTTP/2: connections with no active stream), pools with no connection and no waiter go.</li>
 *   <li><b>{@link #close}</b> at the instance's stop: waiters fail, idle connections close, leases in
 *       use close their connections when they end.</li>
 * </ul>
 */
interface UpstreamTransport {

  /**
   * A lease for one exchange on a connection of {@code key}'s pool.
   *
   * @param maxConnections the most connections this pool may have open (at least 1)
   * @param fresh only a connection opened for this lease will do (see the class comment)
   * @return the lease, or a failure: {@link Exhausted}, or the connect failure's own cause
   */
  Future<Lease> open(Key key, int maxConnections, boolean fresh);

  /** Closes connections idle for more than {@code idleNanos} and forgets empty pools (once a second). */
  void sweep(long idleNanos);

  /** Closes every pool and client (the instance stops). */
  Future<Void> close();

  /**
   * One exchange's use of one connection (HTTP/1.1) or of one stream slot on a shared connection
   * (HTTP/2). Used only on the event loop of its transport.
   */
  interface Lease {

    /**
     * Whether the connection carried an exchange before this one (or, on HTTP/2, was already open when
     * this lease was given). A request that failed on a reused connection before any response byte may
     * be sent again on a fresh one ({@link RetryPolicy}: the server may have closed it while idle).
     */
    boolean reused();

    /** The protocol spoken on this lease's connection (for header mapping, metrics, the access log). */
    Protocol protocol();

    /**
     * Starts the lease's one request (on HTTP/2: opens its stream). Called at most once. The driver
     * writes the head and body and reads the response through the returned request; the request's
     * {@code reset()} must act on this exchange only.
     */
    Future<HttpClientRequest> request(RequestOptions options);

    /**
     * The exchange ended cleanly: the request was fully written and the response read to its end (or
     * {@link #request} was never called). HTTP/1.1: the connection goes back to the pool unless the
     * response said {@code Connection: close} or was not HTTP/1.1; HTTP/2: the stream is over and its
     * slot is free at once, the connection stays.
     */
    void recycle();

    /**
     * The exchange ended early (failure, timeout, client gone): HTTP/1.1 closes the connection, whose
     * position in the byte stream is unknown; HTTP/2 resets this stream only ({@code RST_STREAM
     * CANCEL}), the connection and its other streams go on. Safe before {@link #request}'s future
     * completed: the request is then reset as soon as it exists.
     */
    void abort();

    /**
     * The upstream answered a WebSocket handshake with 101: the connection leaves the pool for good and
     * becomes a tunnel owned by the driver (it closes it). HTTP/1.1 leases only: WebSocket handshakes are
     * sent on HTTP/1.1 connections.
     */
    void tunnel();
  }

  /**
   * What separates one pool from another.
   *
   * @param server where to connect (resolved address)
   * @param peerHost the TLS peer name (SNI, checked against the certificate), else the configured host
   * @param port the server's port
   * @param tls how the certificate is verified; empty for plain TCP
   * @param protocol the wire protocol of the pool's connections
   * @param connectTimeoutMs the longest TCP handshake, and separately the longest TLS handshake
   */
  record Key(SocketAddress server, String peerHost, int port, Optional<TlsTrust> tls, Protocol protocol,
      int connectTimeoutMs) {
    public Key {
      Objects.requireNonNull(server, "server");
      Objects.requireNonNull(tls, "tls");
      Objects.requireNonNull(protocol, "protocol");
    }
  }

  /** What separates one TLS client from another: how the upstream's certificate is verified. */
  record TlsTrust(boolean verify, Optional<String> caPath) {}

  /** No slot became free within the connect timeout ({@code max_connections_per_server} busy). */
  final class Exhausted extends TimeoutException {
    Exhausted(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // an expected outcome under load, not a bug
    }
  }
}
