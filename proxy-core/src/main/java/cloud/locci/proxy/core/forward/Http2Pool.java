package cloud.locci.proxy.core.forward;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * HTTP/2 connections to one server (one address, TLS name and trust), owned by one proxy instance and
 * used only on its event loop: no locks. What it lends is a stream slot ({@link Lease}), not a connection:
 * Vert.x multiplexes the streams on the connection; this class only decides which connection a new stream
 * goes on and when another connection is opened.
 *
 * <p>A connection takes streams up to its server's {@code SETTINGS_MAX_CONCURRENT_STREAMS} (Vert.x's
 * {@link HttpClientConnection#maxActiveStreams()}), the oldest connection with room first, so the
 * others can fall idle and close. A stream that finds no room waits; another connection is opened only
 * when the waiting streams exceed what the connections already being opened are expected to take
 * ({@link #ASSUMED_STREAMS} each, until their SETTINGS say), and never beyond {@code max}. Vert.x's own
 * HTTP/2 pool was measured opening one connection per request for a burst that arrived before the first
 * connection was up (100 concurrent requests: 100 connections); this is what keeps such a burst on a
 * handful. A stream that waits longer than the connect timeout fails like a connect that timed out.
 *
 * <p>A connection whose server sent GOAWAY takes no new streams; those under way finish. A connection
 * with no stream for longer than the idle time is closed by {@link #closeIdleOlderThan}.
 */
final class Http2Pool {

  /**
   * Streams a connection is expected to take while its server's SETTINGS are not known yet: the
   * common default (nginx, Go, Netty and Vert.x servers announce 100 or more; RFC 9113 recommends at
   * least 100).
   */
  static final int ASSUMED_STREAMS = 100;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final HttpConnectOptions connect;
  private final int max;
  private final List<Conn> conns = new ArrayList<>(2);
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private int connecting;
  private boolean closed;

  private static final class Conn {
    final HttpClientConnection connection;
    int streams;
    long idleSince = System.nanoTime();
    boolean draining;

    Conn(HttpClientConnection connection) {
      this.connection = connection;
    }

    boolean hasRoom() {
      return !draining && streams < Math.max(1, connection.maxActiveStreams());
    }
  }

  private record Waiter(Promise<Lease> promise, long timer) {}

  /** One stream slot on one connection. Give it back once with {@link #release}. */
  final class Lease {
    private final Conn conn;
    private boolean released;

    private Lease(Conn conn) {
      this.conn = conn;
    }

    HttpClientConnection connection() {
      return conn.connection;
    }

    /** The stream ended (or was reset): its slot is free for the next one. */
    void release() {
      if (released) {
        return;
      }
      released = true;
      if (--conn.streams == 0) {
        conn.idleSince = System.nanoTime();
      }
      serveWaiters();
    }
  }

  Http2Pool(Vertx vertx, HttpClientAgent client, HttpConnectOptions connect, int max) {
    this.vertx = vertx;
    this.client = client;
    this.connect = connect;
    this.max = Math.max(1, max);
  }

  /** A stream slot on a connection to the server, within {@code timeoutMs}. */
  Future<Lease> acquire(long timeoutMs) {
    if (closed) {
      return Future.failedFuture("the proxy instance is stopping");
    }
    Conn free = free();
    if (free != null) {
      return Future.succeededFuture(take(free));
    }
    Promise<Lease> promise = Promise.promise();
    long[] timer = new long[1];
    timer[0] = vertx.setTimer(Math.max(1, timeoutMs), id -> {
      waiters.removeIf(w -> w.promise() == promise);
      promise.tryFail(new UpstreamTransport.Exhausted("no HTTP/2 stream free within " + timeoutMs + " ms ("
          + conns.size() + " connections open: max_connections_per_server)"));
    });
    waiters.add(new Waiter(promise, timer[0]));
    grow();
    return promise.future();
  }

  private Conn free() {
    for (int i = 0; i < conns.size(); i++) {
      Conn c = conns.get(i);
      if (c.hasRoom()) {
        return c;
      }
    }
    return null;
  }

  private Lease take(Conn c) {
    c.streams++;
    return new Lease(c);
  }

  /** Opens connections while waiting streams exceed what those being opened are expected to take. */
  private void grow() {
    while (!closed && waiters.size() > (long) connecting * ASSUMED_STREAMS && conns.size() + connecting < max) {
      openConnection();
    }
  }

  private void openConnection() {
    connecting++;
    client.connect(connect).onComplete(ar -> {
      connecting--;
      if (ar.failed()) {
        if (connecting == 0 && free() == null) {
          // Nothing else will serve them soon: they fail like their own connect would have.
          failWaiters(ar.cause());
        }
        return;
      }
      HttpClientConnection connection = ar.result();
      if (closed) {
        connection.close();
        return;
      }
      Conn c = new Conn(connection);
      conns.add(c);
      connection.goAwayHandler(g -> c.draining = true);
      connection.closeHandler(v -> {
        conns.remove(c);
        serveWaiters();
      });
      serveWaiters();
    });
  }

  private void serveWaiters() {
    Waiter w;
    Conn c;
    while ((w = waiters.peek()) != null && (c = free()) != null) {
      waiters.poll();
      vertx.cancelTimer(w.timer());
      Lease lease = take(c);
      if (!w.promise().tryComplete(lease)) {
        lease.released = true;
        c.streams--;
      }
    }
    grow();
  }

  private void failWaiters(Throwable cause) {
    Waiter w;
    while ((w = waiters.poll()) != null) {
      vertx.cancelTimer(w.timer());
      w.promise().tryFail(cause);
    }
  }

  /** Closes connections that carried no stream for {@code nanos}. */
  void closeIdleOlderThan(long nanos) {
    long now = System.nanoTime();
    for (Iterator<Conn> it = conns.iterator(); it.hasNext(); ) {
      Conn c = it.next();
      if (c.streams == 0 && now - c.idleSince > nanos) {
        it.remove();
        c.connection.close();
      }
    }
  }

  /** Connections open now. */
  int openConnections() {
    return conns.size();
  }

  boolean isUnused() {
    return conns.isEmpty() && waiters.isEmpty() && connecting == 0;
  }

  /** Closes every connection and fails the waiting streams (at the instance's stop). */
  void close() {
    closed = true;
    failWaiters(new IllegalStateException("the proxy instance is stopping"));
    for (Conn c : conns) {
      c.connection.close();
    }
    conns.clear();
  }
}
