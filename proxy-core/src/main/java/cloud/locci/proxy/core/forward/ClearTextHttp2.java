package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.ServerConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.TimeUnit;

/**
 * Cleartext HTTP/2 with prior knowledge (h2c) on the plain listeners, beside HTTP/1.1 (SPEC §12,
 * {@code server.h2c}).
 *
 * <p>With h2c on, Vert.x looks at a new connection's first bytes to tell the HTTP/2 preface from an
 * HTTP/1 request, and only then builds the connection: the server's connection handler (which starts
 * {@link ClientIdle} and installs {@link ConnectionGuard}) runs once the first HTTP/1 head is complete, or
 * once an HTTP/2 client's first SETTINGS arrived. Until then nothing of the proxy's watches the
 * connection, so a connection that stays silent, or dribbles its first head, would be held forever. This
 * class closes that gap with Vert.x's own idle handler, set to {@code header_timeout_secs}: it sits behind
 * the HTTP/1 decoder, so the bytes of an unfinished head do not count as activity, and the connection is
 * closed (without an answer, as nginx does on its {@code client_header_timeout}) when the first head has
 * not arrived within that time of the connection's start. {@link #connected} removes that handler as soon
 * as the proxy's own clocks take over (idle between requests, head timer with 408 from the second head
 * on, route and body timeouts), so it can never cut a request in flight.
 *
 * <p>Vert.x's server also accepts an HTTP/1.1 {@code Upgrade: h2c} on a connection's first request; it
 * has no switch to accept prior knowledge alone. The upgraded request goes through the same routing as
 * any other HTTP/2 stream.
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
   * A client connection is set up (from the server's connection handler): the idle handler that guarded
   * its first head goes, the proxy's own clocks take over.
   */
  public static void connected(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    RequestTrailers.tap(connection); // HTTP/2 connections (h2c or h2): keep what Vert.x drops
    ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
    ChannelHandler idle = pipeline.get(IDLE_HANDLER);
    if (idle instanceof IdleStateHandler) {
      pipeline.remove(idle);
    }
  }
}
