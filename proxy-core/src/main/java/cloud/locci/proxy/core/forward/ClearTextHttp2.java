package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.ServerConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Cleartext HTTP/2 with prior knowledge (h2c) on the plain listeners, beside HTTP/1.1 (SPEC §12,
 * {@code server.h2c}).
 *
 * <p>With h2c on, Vert.x looks at a new connection's first bytes to tell the HTTP/2 preface from an
 * HTTP/1 request, and only then builds the connection: the server's connection handler (which starts
 * {@link ClientIdle} and installs {@link ConnectionGuard}) runs once the first HTTP/1 head is complete, or
 * once an HTTP/2 client's first SETTINGS arrived. Until then nothing of the proxy's watches the
 * connection, so a connection that stays silent, or dribbles its first head, would be held forever. Two
 * things close that gap. {@link ClearTextAccept} (installed by {@link #listening}) sees the first bytes:
 * as soon as they depart from the HTTP/2 preface it installs the {@link ConnectionGuard}, whose head
 * clock then gives a first head that never completes the same 408 as on an HTTP/1.1-only listener, and
 * it makes the first request's {@code Upgrade: h2c} an ordinary request (nginx ignores h2c upgrades).
 * And Vert.x's own idle handler, set to {@code header_timeout_secs}, closes a connection that sends
 * nothing at all, or stalls inside the HTTP/2 preface, within that time of its start (without an
 * answer: there is no request to answer). {@link #connected} removes that handler as soon as the
 * proxy's own clocks take over (idle between requests, route and body timeouts), so it can never cut a
 * request in flight.
 */
public final class ClearTextHttp2 {

  /** The name Vert.x gives its idle handler in a connection's pipeline. */
  private static final String IDLE_HANDLER = "idle";

  private ClearTextHttp2() {}

  /** Sets up {@code options} (a listener's, before TLS is added) for {@code server.h2c}. */
  public static HttpServerOptions configure(HttpServerOptions options, ServerConfig server) {
    options.setHttp2ClearTextEnabled(server.h2c());
    if (server.h2c()) {
      options.setIdleTimeout(server.headerTimeoutSecs()).setIdleTimeoutUnit(TimeUnit.SECONDS);
    }
    return options;
  }

  /**
   * {@code server} (made with {@code options}) is listening: a plain listener with h2c on gets the
   * proxy's defences from a connection's first byte ({@link ClearTextAccept}: 408 for a first head that
   * never completes, {@code Upgrade: h2c} ignored), since Vert.x builds the connection only later.
   */
  public static Future<HttpServer> listening(HttpServer server, HttpServerOptions options,
      Supplier<ServerConfig> config, ConnectionGuard.RefusalListener listener) {
    if (options.isHttp2ClearTextEnabled() && !options.isSsl()) {
      return ClearTextAccept.install(server, config, listener).map(server);
    }
    return Future.succeededFuture(server);
  }

  /**
   * A client connection is set up (from the server's connection handler): the idle handler that guarded
   * its first head goes, the proxy's own clocks take over.
   */
  public static void connected(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    RequestTrailers.tap(connection); // HTTP/2 connections (h2c or h2): keep what Vert.x drops
    dropIdle(base.channelHandlerContext().pipeline());
  }

  /** Removes the idle handler that guards a connection until the proxy's own clocks watch it. */
  static void dropIdle(ChannelPipeline pipeline) {
    ChannelHandler idle = pipeline.get(IDLE_HANDLER);
    if (idle instanceof IdleStateHandler) {
      pipeline.remove(idle);
    }
  }
}
