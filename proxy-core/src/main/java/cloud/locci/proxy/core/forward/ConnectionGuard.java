package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.channels.ClosedChannelException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Defences on each HTTP/1.x client connection that Vert.x's request API cannot express, as two small
 * Netty handlers around the HTTP codec:
 *
 * <ul>
 *   <li>the slowloris defence: a client that has started a request head and not finished it within
 *       {@code server.header_timeout_secs} gets 408 and is closed (the clock starts at the first byte of
 *       each head; between keep-alive requests the idle timeout applies instead);
 *   <li>{@code server.max_header_size} counts the request line and the headers together (Netty limits
 *       them separately): 431 beyond it;
 *   <li>request smuggling: a {@code Transfer-Encoding} other than exactly {@code chunked} is 400, and an
 *       invalid chunk is 400 (when no response has started) instead of a silent close. Netty's strict
 *       decoder already refuses Content-Length with Transfer-Encoding and conflicting Content-Lengths;
 *       those reach {@code invalidRequestHandler}.
 * </ul>
 *
 * Every refusal here is answered with the proxy's JSON error and closes the connection, since the
 * stream position after a bad head or body cannot be trusted. After a protocol upgrade (WebSocket) the
 * handlers pass bytes through untouched.
 */
public final class ConnectionGuard {

  /** Hears of connections refused before a request reached the proxy (for the access log and metrics). */
  @FunctionalInterface
  public interface RefusalListener {
    void onRefused(Reason reason, SocketAddress client);
  }

  /** Vert.x's HTTP/1 handler that answers {@code Upgrade: h2c}; there until the first request passed. */
  private static final String H2C_UPGRADE = "h2c";
  /** The name of the guard's handler behind the codec. */
  private static final String GUARD = "locciGuard";

  private final long headerTimeoutNanos;
  private final int maxHeadSize;
  private final RefusalListener listener;
  private final SocketAddress client;

  private boolean inRequest;
  private boolean headStarted;
  private boolean responseStarted;
  private boolean tunnel;
  private boolean closing;
  private long headStartNanos;
  private ScheduledFuture<?> headTimer;
  private ChannelHandlerContext guardContext;

  private ConnectionGuard(ServerConfig server, RefusalListener listener, SocketAddress client) {
    this.headerTimeoutNanos = TimeUnit.SECONDS.toNanos(server.headerTimeoutSecs());
    this.maxHeadSize = server.maxHeaderSize();
    this.listener = listener;
    this.client = client;
  }

  /**
   * Adds the guard to {@code connection}'s pipeline; does nothing for connections that are not
   * HTTP/1.x (HTTP/2 has its own framing and limits). Call from the server's connection handler,
   * before any request is read.
   */
  public static void install(HttpConnection connection, ServerConfig server, RefusalListener listener) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
    if (pipeline.get("httpDecoder") == null || pipeline.get("httpEncoder") == null
        || pipeline.get(GUARD) != null) { // already there since the first byte (installEarly)
      return;
    }
    new ConnectionGuard(server, listener, connection.remoteAddress()).addTo(pipeline);
  }

  /**
   * Installs the guard on a plain connection that Vert.x has just found to speak HTTP/1 (h2c on:
   * {@link ClearTextAccept}), before its first head is decoded and long before Vert.x calls the server's
   * connection handler (whose {@link #install} then finds it there). That head has begun: its clock starts
   * now, so a first head that never completes gets the same 408 as on an HTTP/1.1-only listener.
   */
  static void installEarly(ChannelPipeline pipeline, SocketAddress client, ServerConfig server,
      RefusalListener listener) {
    if (pipeline.get("httpDecoder") == null || pipeline.get("httpEncoder") == null || pipeline.get(GUARD) != null) {
      return;
    }
    ConnectionGuard guard = new ConnectionGuard(server, listener, client);
    guard.addTo(pipeline);
    guard.headStarted = true;
    guard.headStartNanos = System.nanoTime();
    guard.headTimer = pipeline.channel().eventLoop().schedule(guard::headTimerFired, guard.headerTimeoutNanos,
        TimeUnit.NANOSECONDS);
  }

  private void addTo(ChannelPipeline pipeline) {
    ConnectionGuard guard = this;
    pipeline.addBefore("httpDecoder", "locciFirstByte", guard.new FirstByteWatcher());
    // With h2c on (ClearTextHttp2), Vert.x's upgrade handler sits behind the encoder until the first
    // request has passed it, and it calls this from its own read of that request: behind it, the guard
    // still sees that first head.
    pipeline.addAfter(pipeline.get(H2C_UPGRADE) != null ? H2C_UPGRADE : "httpEncoder", GUARD, guard.new Guard());
  }

  /** Before the decoder: starts the head clock when the first byte of a new request head arrives. */
  private final class FirstByteWatcher extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (!tunnel && !closing && !inRequest && !headStarted && msg instanceof ByteBuf buf && buf.isReadable()) {
        headStarted = true;
        headStartNanos = System.nanoTime();
        if (headTimer == null) {
          headTimer = ctx.executor().schedule(ConnectionGuard.this::headTimerFired, headerTimeoutNanos,
              TimeUnit.NANOSECONDS);
        }
      }
      super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      cancelTimer();
      super.channelInactive(ctx);
    }
  }

  /** After the codec: sees decoded requests coming in and response heads going out. */
  private final class Guard extends ChannelDuplexHandler {

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      guardContext = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (tunnel) {
        super.channelRead(ctx, msg);
        return;
      }
      if (closing) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
        headStarted = false; // the head timer sees it when it fires (headTimerFired)
        String problem = transferEncodingProblem(request);
        if (problem != null) {
          ReferenceCountUtil.release(msg);
          refuse(ctx, Reason.BAD_REQUEST, problem);
          return;
        }
        if (headSize(request) > maxHeadSize) {
          ReferenceCountUtil.release(msg);
          refuse(ctx, Reason.HEADER_TOO_LARGE,
              "request line and headers exceed " + maxHeadSize + " bytes (server.max_header_size)");
          return;
        }
        inRequest = !(msg instanceof LastHttpContent);
        responseStarted = false;
      } else if (msg instanceof HttpRequest) {
        // A head the decoder refused: Vert.x's invalid-request handler answers it.
        headStarted = false;
      } else if (msg instanceof HttpContent content) {
        if (content.decoderResult().isFailure()) {
          ReferenceCountUtil.release(msg);
          if (responseStarted) {
            closing = true;
            ctx.close();
          } else {
            refuse(ctx, Reason.BAD_REQUEST, "invalid chunked body framing");
          }
          return;
        }
        if (msg instanceof LastHttpContent) {
          inRequest = false;
        }
      }
      super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      if (closing) {
        // The guard answered already; whatever the proxy writes now must not follow that answer.
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new ClosedChannelException());
        return;
      }
      if (msg instanceof HttpResponse response) {
        responseStarted = true;
        if (response.status().code() == 101) {
          tunnel = true;
          cancelTimer();
        }
      }
      super.write(ctx, msg, promise);
    }
  }

  private void refuse(ChannelHandlerContext ctx, Reason reason, String message) {
    closing = true;
    cancelTimer();
    ByteBuf body = Unpooled.wrappedBuffer(ErrorResponses.body(reason, message).getBytes());
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(reason.status()), body);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(ErrorResponses.REASON_HEADER, reason.word())
        .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    listener.onRefused(reason, client);
  }

  /**
   * The head clock, lazily: a finished head does not cancel the timer, so a busy keep-alive connection
   * costs one timer per header_timeout_secs instead of one scheduled and cancelled per request; when it
   * fires it checks the head in progress, if any, and either refuses it or waits for the rest of that
   * head's time.
   */
  private void headTimerFired() {
    headTimer = null;
    if (!headStarted || closing || tunnel || guardContext == null) {
      return;
    }
    long left = headerTimeoutNanos - (System.nanoTime() - headStartNanos);
    if (left > 0) {
      headTimer = guardContext.executor().schedule(this::headTimerFired, left, TimeUnit.NANOSECONDS);
      return;
    }
    refuse(guardContext, Reason.HEADER_TIMEOUT,
        "request head not received within " + TimeUnit.NANOSECONDS.toSeconds(headerTimeoutNanos) + " s");
  }

  private void cancelTimer() {
    if (headTimer != null) {
      headTimer.cancel(false);
      headTimer = null;
    }
  }

  /** Null when the request's Transfer-Encoding is absent or exactly {@code chunked}. */
  static String transferEncodingProblem(HttpRequest request) {
    if (!request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      return null; // the usual case, without getAll's list
    }
    List<String> values = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (values.size() == 1 && HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(values.get(0).trim())) {
      return null;
    }
    return "unsupported Transfer-Encoding \"" + String.join(", ", values) + "\"; only \"chunked\" is accepted";
  }

  /** Bytes of the request line and headers as sent (give or take optional whitespace). */
  static int headSize(HttpRequest request) {
    int size = request.method().name().length() + 1 + request.uri().length() + 1
        + request.protocolVersion().text().length() + 2;
    // The entries as stored: the String iterator would make a Map.Entry and a String per header.
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = request.headers().iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> h = it.next();
      size += h.getKey().length() + 2 + h.getValue().length() + 2;
    }
    return size + 2;
  }
}
