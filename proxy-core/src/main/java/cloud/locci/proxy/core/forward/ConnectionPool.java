package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig.Protocol;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Set;

/**
 * The HTTP/1.1 pool behind {@link Http1Transport}: keep-alive HTTP/1.1 connections to one server (one address, TLS name and trust), owned by one proxy
 * instance and used only on its event loop: no locks. It replaces the Vert.x client's own pool for the
 * request path, which resolves an endpoint and looks a pool up in a shared map on every request
 * (about 14% of the proxy's CPU per small request, measured).
 *
 * <p>A connection carries one request at a time. It goes back to the idle list only when its
 * exchange ended cleanly (request fully sent, response fully read, no {@code Connection: close});
 * otherwise it is closed. Idle connections older than the keep-alive time are closed by
 * {@link #closeIdleOlderThan}. At most {@code max} connections are open; a request that finds none
 * waits, for at most the connect timeout. Each {@link Lease} says whether its connection was reused, so
 * a request that fails on a connection the upstream closed while it was idle can be sent again on a
 * fresh one ({@link RetryPolicy}). A lease holds its connection exclusively.
 */
final class ConnectionPool {

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final HttpConnectOptions connect;
  private final int max;
  private final ArrayDeque<Idle> idle = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final Set<HttpClientConnection> detached = Collections.newSetFromMap(new IdentityHashMap<>());
  private int open;
  private boolean closed;

  private record Idle(HttpClientConnection connection, long since) {}

  private record Waiter(Promise<UpstreamTransport.Lease> promise, long timer, boolean fresh) {}

  /**
   * One exchange's use of one connection, which it holds alone until it ends.
   */
  final class Lease implements UpstreamTransport.Lease, Handler<AsyncResult<HttpClientRequest>> {
    private final HttpClientConnection connection;
    private final boolean reused;
    private HttpClientRequest request;
    private boolean requested;
    private boolean ended;

    /** @param reused taken from the idle list (it served an earlier exchange), not opened for this one */
    Lease(HttpClientConnection connection, boolean reused) {
      this.connection = connection;
      this.reused = reused;
    }

    @Override
    public boolean reused() {
      return reused;
    }

    @Override
    public Protocol protocol() {
      return Protocol.HTTP1;
    }

    @Override
    public Future<HttpClientRequest> request(RequestOptions options) {
      if (requested || ended) {
        throw new IllegalStateException("one request per lease");
      }
      requested = true;
      // The lease hears of the request first (its handler is registered before the caller's), without
      // andThen's second future and lambda per request.
      Future<HttpClientRequest> created = connection.request(options);
      created.onComplete(this);
      return created;
    }

    /** The request was created (or not): keep it, or reset it if the lease was aborted meanwhile. */
    @Override
    public void handle(AsyncResult<HttpClientRequest> ar) {
      if (ar.succeeded()) {
        if (ended) {
          ar.result().reset(); // aborted while the request was being created
        } else {
          request = ar.result();
        }
      }
    }

    @Override
    public void recycle() {
      if (end()) {
        if (!requested || request != null && reusable(request.response())) {
          release(connection);
        } else {
          discard(connection);
        }
      }
    }

    @Override
    public void abort() {
      if (end()) {
        if (request != null) {
          request.reset();
        }
        discard(connection);
      }
    }

    @Override
    public void tunnel() {
      if (end()) {
        detach(connection);
      }
    }

    private boolean end() {
      if (ended) {
        return false;
      }
      ended = true;
      return true;
    }
  }

  /** The upstream keeps the connection open after this response (HTTP/1.1 without Connection: close). */
  private static boolean reusable(Future<HttpClientResponse> answer) {
    if (!answer.succeeded()) {
      return false;
    }
    HttpClientResponse upstream = answer.result();
    if (upstream.version() != HttpVersion.HTTP_1_1) {
      return false;
    }
    String c = upstream.getHeader(HttpHeaders.CONNECTION);
    return c == null || !HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(c.trim()) && !c.contains("close");
  }

  ConnectionPool(Vertx vertx, HttpClientAgent client, HttpConnectOptions connect, int max) {
    this.vertx = vertx;
    this.client = client;
    this.connect = connect;
    this.max = max;
  }

  /**
   * A connection for one exchange: the most recently used idle one, a new one, or the next released.
   *
   * @param fresh a newly opened connection only (the request failed on a reused one): an idle
   *     connection is closed to make room if needed, and a released one is not handed on
   */
  Future<UpstreamTransport.Lease> acquire(long timeoutMs, boolean fresh) {
    if (closed) {
      return Future.failedFuture("the proxy instance is stopping");
    }
    if (!fresh) {
      Idle i = idle.pollLast();
      if (i != null) {
        return Future.succeededFuture(new Lease(i.connection(), true));
      }
    } else if (open >= max && !idle.isEmpty()) {
      HttpClientConnection oldest = idle.pollFirst().connection();
      forget(oldest);
      oldest.close();
    }
    if (open < max) {
      return open(timeoutMs);
    }
    Promise<UpstreamTransport.Lease> p = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, timeoutMs), id -> {
      waiters.removeIf(w -> w.promise() == p);
      p.tryFail(new UpstreamTransport.Exhausted("no connection to " + connect.getServer() + " free within "
          + timeoutMs + " ms (" + max + " open: max_connections_per_server)"));
    });
    waiters.addLast(new Waiter(p, timer, fresh));
    return p.future();
  }

  /**
   * Opens a connection. The connect timeout is the client's ({@link UpstreamClients} keeps a client per
   * connect timeout): Vert.x's {@code connect(HttpConnectOptions)} ignores the one in the options.
   */
  private Future<UpstreamTransport.Lease> open(long timeoutMs) {
    open++;
    return client.connect(new HttpConnectOptions(connect).setConnectTimeout(timeoutMs))
        .<UpstreamTransport.Lease>map(c -> {
          c.closeHandler(v -> onClosed(c));
          return new Lease(c, false);
        })
        .andThen(ar -> {
          if (ar.failed()) {
            open--;
            serveWaiter();
          }
        });
  }

  /** The exchange on {@code c} ended cleanly: keep it for the next one. */
  private void release(HttpClientConnection c) {
    if (closed) {
      c.close();
      return;
    }
    Waiter w = waiters.peekFirst();
    if (w != null && w.fresh()) {
      // It wants a new connection: this one makes room for it.
      forget(c);
      c.close();
      return;
    }
    if (w != null) {
      waiters.pollFirst();
      vertx.cancelTimer(w.timer());
      w.promise().complete(new Lease(c, true));
      return;
    }
    idle.addLast(new Idle(c, System.nanoTime()));
  }

  /**
   * {@code c} became a tunnel (WebSocket): it leaves the pool for good and no longer counts against
   * {@code max}; its close is its own business.
   */
  private void detach(HttpClientConnection c) {
    forget(c);
  }

  /** {@code c} no longer counts against {@code max} (its close, later, is ignored); a waiter may open one. */
  private void forget(HttpClientConnection c) {
    if (detached.add(c)) {
      open--;
      serveWaiter();
    }
  }

  /** The exchange on {@code c} did not end cleanly: it cannot be reused. Its slot frees at once. */
  private void discard(HttpClientConnection c) {
    forget(c);
    c.close();
  }

  private void onClosed(HttpClientConnection c) {
    if (detached.remove(c)) {
      return;
    }
    open--;
    for (Iterator<Idle> it = idle.iterator(); it.hasNext(); ) {
      if (it.next().connection() == c) {
        it.remove();
        break;
      }
    }
    serveWaiter();
  }

  /** A slot is free: open a connection for the longest-waiting request, if any. */
  private void serveWaiter() {
    if (closed || waiters.isEmpty() || open >= max) {
      return;
    }
    Waiter w = waiters.pollFirst();
    vertx.cancelTimer(w.timer());
    open(connect.getConnectTimeout()).onComplete(w.promise());
  }

  /** Closes idle connections unused since {@code nanos} ago (upstreams drop them on their own schedule). */
  void closeIdleOlderThan(long nanos) {
    long now = System.nanoTime();
    while (!idle.isEmpty() && now - idle.peekFirst().since() > nanos) {
      idle.pollFirst().connection().close();
    }
  }

  /** Connections open now, idle or in use. */
  int open() {
    return open;
  }

  boolean isUnused() {
    return open == 0 && waiters.isEmpty();
  }

  /** Closes the idle connections and refuses new exchanges; those in use close when they end. */
  void close() {
    closed = true;
    for (Waiter w : waiters) {
      vertx.cancelTimer(w.timer());
      w.promise().tryFail("the proxy instance is stopping");
    }
    waiters.clear();
    Idle i;
    while ((i = idle.pollFirst()) != null) {
      i.connection().close();
    }
  }
}
