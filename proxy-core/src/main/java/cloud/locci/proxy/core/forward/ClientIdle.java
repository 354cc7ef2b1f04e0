package cloud.locci.proxy.core.forward;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.TimeUnit;

/**
 * {@code server.idle_timeout_secs} on one client connection, counted only while no request is in flight
 * on it (nginx's {@code keepalive_timeout}). Vert.x's own idle timeout closed connections whose request
 * was still being served (the client then saw a closed connection instead of the route's 504, and a
 * {@code timeout_secs} above the idle timeout was silently capped); a request in flight has its own
 * clocks ({@link SilenceWatch}). A WebSocket tunnel has its own idle timer too.
 *
 * <p>The timer is lazy, as {@link ConnectionGuard}'s head timer: it is not moved per request; when it
 * fires it checks whether the connection has been idle long enough and otherwise waits for the rest.
 * Confined to the connection's event loop.
 */
public final class ClientIdle {

  private final Vertx vertx;
  private final HttpConnection connection;
  private final long idleNanos;
  private int inFlight;
  private long idleSince = System.nanoTime();
  private boolean tunnel;
  private boolean closed;
  /** The peer's address as text, made on first use: the same for every request of the connection. */
  private String clientIp;

  private ClientIdle(Vertx vertx, HttpConnection connection, long idleNanos) {
    this.vertx = vertx;
    this.connection = connection;
    this.idleNanos = idleNanos;
  }

  /**
   * Starts the clock of a new client connection; call from the server's connection handler, and
   * {@link #closed()} from its close handler.
   */
  public static ClientIdle start(Vertx vertx, HttpConnection connection, int idleTimeoutSecs) {
    ClientIdle idle = new ClientIdle(vertx, connection, TimeUnit.SECONDS.toNanos(idleTimeoutSecs));
    idle.schedule(idle.idleNanos);
    return idle;
  }

  /** The connection closed: the clock stops at its next tick. */
  public void closed() {
    closed = true;
  }

  /** A request started on the connection. */
  void begin() {
    inFlight++;
  }

  /** A request of the connection ended (its response is over). */
  void end() {
    if (inFlight > 0 && --inFlight == 0) {
      idleSince = System.nanoTime();
    }
  }

  /**
   * The connection's peer address as {@code SocketAddress.hostAddress()} gives it ({@code ""} when
   * unknown), formatted once per connection instead of once per request and reader.
   */
  String clientIp() {
    if (clientIp == null) {
      clientIp = Exchange.hostAddress(connection.remoteAddress());
    }
    return clientIp;
  }

  /** The connection became a tunnel: its idle time is the tunnel's business from now on. */
  void tunnel() {
    tunnel = true;
  }

  private void schedule(long nanos) {
    vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)), id -> fired());
  }

  private void fired() {
    if (closed || tunnel) {
      return;
    }
    if (inFlight > 0) {
      schedule(idleNanos);
      return;
    }
    long left = idleNanos - (System.nanoTime() - idleSince);
    if (left > 0) {
      schedule(left);
    } else {
      connection.close();
    }
  }
}
