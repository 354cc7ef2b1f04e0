package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.impl.CleanableHttpServer;
import io.vertx.core.http.impl.tcp.TcpHttpServer;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.tcp.NetServerImpl;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a plain listener with h2c on does to a connection before Vert.x has built it (SPEC §12, §4).
 *
 * <p>With h2c on, Vert.x's {@code Http1xOrH2CHandler} reads a new connection's first bytes to tell the
 * HTTP/2 preface from an HTTP/1 request; only once the first HTTP/1 head is complete does it call the
 * server's connection handler, where the proxy installs its {@link ConnectionGuard}. Vert.x has no hook
 * before that, so two things went wrong on the first request of a plain HTTP/1.1 connection:
 *
 * <ul>
 *   <li>a first head that never completes (slowloris) was closed by the idle handler without the 408 an
 *       HTTP/1.1-only listener sends;</li>
 *   <li>{@code Upgrade: h2c} on the first request made Vert.x switch the connection to HTTP/2 (or answer
 *       400 when {@code HTTP2-Settings} was missing). nginx ignores an h2c upgrade and answers over
 *       HTTP/1.1; Envoy removes it. The proxy does the same: the {@code h2c} token, {@code HTTP2-Settings}
 *       and their {@code Connection} options are removed from the first request before Vert.x's upgrade
 *       handler reads it (later requests drop them as hop-by-hop headers anyway).</li>
 * </ul>
 *
 * <p>This class adds a handler to the listening (server) channel, which sees each accepted connection
 * before it is initialised, and puts {@link Detect} first in the connection's pipeline. {@code Detect}
 * compares the first bytes with the HTTP/2 preface itself and hands Vert.x the bytes up to the first one
 * that departs from it: Vert.x then builds the HTTP/1 pipeline at once, with no head decoded yet, and
 * {@code Detect} installs the guard (its head clock started) and the upgrade filter before passing on the
 * rest. A connection that sends the whole preface is HTTP/2 and left alone. Reaching the listening
 * channel takes reflection into Vert.x 5.1 internals ({@code CleanableHttpServer.server},
 * {@code NetServerImpl.actualServer}/{@code bindFuture}); if they move, {@link #install} logs it once and
 * the listener works as before without these two fixes ({@code H2cListenerTest} notices).
 *
 * <p>Several proxy instances listening on one port share one listening channel: the first instance to
 * install serves them all, with its config supplier (which follows reloads) and refusal listener.
 */
@ChannelHandler.Sharable // one listening channel, but Netty checks
final class ClearTextAccept extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(ClearTextAccept.class);
  private static final String NAME = "locciClearTextAccept";
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  /** Vert.x's HTTP/1 handler that answers {@code Upgrade: h2c} on the first request. */
  private static final String H2C_UPGRADE = "h2c";

  private static final Field CLEANABLE_SERVER;
  private static final Field ACTUAL_SERVER;
  private static final Field BIND_FUTURE;

  static {
    Field cleanable = null;
    Field actual = null;
    Field bind = null;
    try {
      cleanable = CleanableHttpServer.class.getDeclaredField("server");
      cleanable.setAccessible(true);
      actual = NetServerImpl.class.getDeclaredField("actualServer");
      actual.setAccessible(true);
      bind = NetServerImpl.class.getDeclaredField("bindFuture");
      bind.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      cleanable = null;
    }
    CLEANABLE_SERVER = cleanable;
    ACTUAL_SERVER = actual;
    BIND_FUTURE = bind;
  }

  private final Supplier<ServerConfig> config;
  private final ConnectionGuard.RefusalListener listener;

  private ClearTextAccept(Supplier<ServerConfig> config, ConnectionGuard.RefusalListener listener) {
    this.config = config;
    this.listener = listener;
  }

  /**
   * Hooks {@code server} (a plain listener with h2c on, listening) unless an instance sharing its port
   * did already; completes once the hook sees the next connection accepted.
   */
  static Future<Void> install(HttpServer server, Supplier<ServerConfig> config,
      ConnectionGuard.RefusalListener listener) {
    Channel listening = listeningChannel(server);
    if (listening == null) {
      log.warn("cannot reach the listening channel of this Vert.x version: with server.h2c on, a first "
          + "request head that never completes is closed without 408, and Upgrade: h2c is answered by Vert.x");
      return Future.succeededFuture();
    }
    Promise<Void> added = Promise.promise();
    Context caller = Vertx.currentContext();
    // On the listening channel's event loop, like its accepts: the handler is in place for the next one.
    listening.eventLoop().execute(() -> {
      if (listening.pipeline().get(NAME) == null) {
        listening.pipeline().addFirst(NAME, new ClearTextAccept(config, listener));
      }
      if (caller != null) {
        caller.runOnContext(v -> added.complete()); // the caller goes on on its own event loop
      } else {
        added.complete();
      }
    });
    return added.future();
  }

  private static Channel listeningChannel(HttpServer server) {
    if (CLEANABLE_SERVER == null) {
      return null;
    }
    try {
      Object inner = server instanceof CleanableHttpServer ? CLEANABLE_SERVER.get(server) : server;
      if (!(inner instanceof TcpHttpServer tcp) || !(tcp.tcpServer() instanceof NetServerImpl net)) {
        return null;
      }
      Object actual = ACTUAL_SERVER.get(net);
      if (!(actual instanceof NetServerImpl) || !(BIND_FUTURE.get(actual) instanceof Future<?> bound)
          || !(bound.result() instanceof Channel channel)) {
        return null;
      }
      return channel;
    } catch (IllegalAccessException e) {
      return null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Channel accepted) {
      // Before the server bootstrap initialises it: Vert.x's handlers go behind this one.
      accepted.pipeline().addFirst("locciDetect", new Detect());
    }
    ctx.fireChannelRead(msg);
  }

  /** First in a new connection's pipeline until its protocol is known. */
  private final class Detect extends ChannelInboundHandlerAdapter {
    private int matched;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ctx.fireChannelRead(msg);
        return;
      }
      int readable = buf.readableBytes();
      int i = 0;
      while (i < readable && matched + i < PREFACE.length
          && buf.getByte(buf.readerIndex() + i) == PREFACE[matched + i]) {
        i++;
      }
      if (matched + i == PREFACE.length) { // HTTP/2 with prior knowledge: nothing to do here
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(buf);
        return;
      }
      if (i == readable) { // still a prefix of the preface: Vert.x keeps it until it can tell
        matched += readable;
        ctx.fireChannelRead(buf);
        return;
      }
      // Byte i departs from the preface: HTTP/1. Vert.x builds the HTTP/1 pipeline on reading it.
      ctx.fireChannelRead(buf.readRetainedSlice(i + 1));
      ChannelPipeline pipeline = ctx.pipeline();
      pipeline.remove(this);
      if (pipeline.get(H2C_UPGRADE) != null) {
        pipeline.addBefore(H2C_UPGRADE, "locciNoH2cUpgrade", new NoH2cUpgrade());
      }
      ConnectionGuard.installEarly(pipeline, client(ctx.channel()), config.get(), listener);
      ClearTextHttp2.dropIdle(pipeline); // the guard's head clock has this head now, with its 408
      if (buf.isReadable()) {
        ctx.fireChannelRead(buf);
      } else {
        buf.release();
      }
    }

    private static SocketAddress client(Channel channel) {
      return channel.remoteAddress() instanceof InetSocketAddress inet ? SocketAddress.inetSocketAddress(inet) : null;
    }
  }

  /** Removes an h2c upgrade offer from the first request, which then is answered over HTTP/1.1. */
  static final class NoH2cUpgrade extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request) {
        ctx.pipeline().remove(this); // Vert.x looks at the first request only
        strip(request.headers());
      }
      ctx.fireChannelRead(msg);
    }

    static void strip(HttpHeaders headers) {
      if (!headers.contains(HttpHeaderNames.UPGRADE)) {
        return;
      }
      List<String> upgrades = without(headers.getAll(HttpHeaderNames.UPGRADE), "h2c");
      if (upgrades == null) {
        return; // no h2c offered
      }
      headers.remove(HttpHeaderNames.UPGRADE);
      if (!upgrades.isEmpty()) {
        headers.set(HttpHeaderNames.UPGRADE, String.join(", ", upgrades));
      }
      headers.remove("http2-settings");
      List<String> connection = without(headers.getAll(HttpHeaderNames.CONNECTION), "http2-settings");
      if (upgrades.isEmpty()) {
        List<String> rest = without(connection != null ? connection : headers.getAll(HttpHeaderNames.CONNECTION),
            "upgrade");
        connection = rest != null ? rest : connection;
      }
      if (connection != null) {
        headers.remove(HttpHeaderNames.CONNECTION);
        if (!connection.isEmpty()) {
          headers.set(HttpHeaderNames.CONNECTION, String.join(", ", connection));
        }
      }
    }

    /** The comma-separated tokens of {@code values} without {@code token}; null when it was not there. */
    private static List<String> without(List<String> values, String token) {
      List<String> kept = new ArrayList<>();
      boolean found = false;
      for (String value : values) {
        for (String t : value.split(",")) {
          String trimmed = t.trim();
          if (trimmed.equalsIgnoreCase(token)) {
            found = true;
          } else if (!trimmed.isEmpty()) {
            kept.add(trimmed);
          }
        }
      }
      return found ? kept : null;
    }
  }
}
