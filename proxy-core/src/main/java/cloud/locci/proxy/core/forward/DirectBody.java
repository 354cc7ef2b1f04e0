package cloud.locci.proxy.core.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.UnpooledHttpClientConnection;
import io.vertx.core.http.impl.http1.Http1ClientConnection;
import io.vertx.core.http.impl.http1.Http1ServerResponse;
import io.vertx.core.net.impl.VertxHandler;
import io.vertx.core.streams.WriteStream;

/**
 * The copy-free path of an upstream HTTP/1.x response body to an HTTP/1.x client: a Netty handler on the
 * upstream connection, just before Vert.x's own, that takes the body's {@link ByteBuf}s as the HTTP
 * decoder made them (slices of the pooled direct buffer the socket was read into) and gives them to the
 * {@link BodyRelay}, which writes them to the client response as they are and releases each when its
 * write completes.
 *
 * <p>Why: Vert.x 5.1 copies every inbound body chunk from the pooled direct buffer to a new heap buffer
 * ({@code VertxHandler.safeBuffer}, from {@code Http1ClientConnection.handleResponseChunk}), and Netty
 * copies that heap buffer back to a direct one to send it ({@code filterOutboundMessage}): two copies and
 * a heap buffer per chunk, for every byte of a large body. Here there are none. What makes it safe (see
 * {@code VertxBufferOwnershipTest}): Vert.x never releases a buffer written through
 * {@code HttpServerResponse.write} that is not its own heap buffer, and the write's future completes on
 * success, on a closed connection and on a write after the close alike; and this handler never holds a
 * buffer: a chunk is either handed to the relay (which owns it from then on) or left to Vert.x.
 *
 * <p>Armed by the relay for one response ({@link #arm}), disarmed at its end or when the exchange stops;
 * unarmed, it passes everything on untouched. The body's end still goes through Vert.x, as an empty last
 * chunk with the trailers, so the response ends, the trailers are read and the connection is recycled as
 * before. Back-pressure: a full client response turns the upstream channel's auto-read off until it
 * drains (Vert.x's own pause would act on its queue, which no longer sees the chunks).
 *
 * <p>Only where nothing needs the bytes on the heap: HTTP/1.x on both sides (HTTP/2 data is copied by
 * Vert.x's frame listener, which Netty releases after it returns), no response transform (compression
 * writes to its own stream, so the sink is not the client response), not a tunnel. Off with
 * {@code -Dlocci.direct_body=false}. Vert.x's {@code vertx_http_client_response_bytes} does not count a
 * body that took this path (the connection's {@code bytes_read} does).
 *
 * <p>One per upstream connection, confined to its event loop (which is the exchange's).
 */
final class DirectBody extends ChannelInboundHandlerAdapter {

  /** Whether the copy-free path is used where it can be. */
  static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("locci.direct_body"));

  static final String NAME = "locci-direct-body";

  private final Http1ClientConnection connection;
  private BodyRelay relay;
  private boolean paused;

  private DirectBody(Http1ClientConnection connection) {
    this.connection = connection;
  }

  /**
   * Arms the copy-free path for {@code response}'s body, written to {@code sink} by {@code relay}, if both
   * sides allow it.
   *
   * @return the armed handler, or null: the body takes Vert.x's path
   */
  static DirectBody arm(HttpClientResponse response, WriteStream<Buffer> sink, BodyRelay relay) {
    if (!ENABLED || !(sink instanceof Http1ServerResponse) || response.version() == HttpVersion.HTTP_2) {
      return null;
    }
    HttpConnection c = response.request().connection();
    if (c instanceof UnpooledHttpClientConnection unpooled) {
      c = unpooled.unwrap();
    }
    if (!(c instanceof Http1ClientConnection http1)) {
      return null;
    }
    ChannelHandlerContext vertx = http1.channelHandlerContext();
    ChannelPipeline pipeline = vertx.pipeline();
    // The connection must still speak HTTP (not a tunnel), and run on this very thread.
    if (!vertx.executor().inEventLoop() || !(pipeline.get("codec") instanceof HttpClientCodec)
        || !(vertx.handler() instanceof VertxHandler)) {
      return null;
    }
    DirectBody direct = pipeline.get(DirectBody.class);
    if (direct == null) {
      direct = new DirectBody(http1);
      pipeline.addBefore(vertx.name(), NAME, direct);
    }
    // Armed from this response's head to its last chunk at most (channelRead disarms on both), so a
    // relay left armed here would be a bug: never let one body's chunks reach another's client.
    direct.relay = relay;
    direct.resume();
    return direct;
  }

  /**
   * {@code who} stops taking chunks (its body ended, or its exchange stopped): the connection reads again.
   * A no-op for a relay that is no longer the armed one.
   */
  void disarm(BodyRelay who) {
    if (relay == who) {
      disarm();
    }
  }

  private void disarm() {
    relay = null;
    resume();
  }

  /** {@code who}'s client response is full: reads stop until {@link #resume}, if it is still armed. */
  void pause(BodyRelay who) {
    if (relay == who && !paused) {
      paused = true;
      connection.channel().config().setAutoRead(false);
    }
  }

  /** {@code who}'s client response drained. */
  void resume(BodyRelay who) {
    if (relay == who) {
      resume();
    }
  }

  private void resume() {
    if (paused) {
      paused = false;
      connection.channel().config().setAutoRead(true); // and reads at once
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    BodyRelay to = relay;
    if (to == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (msg instanceof HttpMessage || !(msg instanceof HttpContent content)
        || !content.decoderResult().isSuccess()) {
      // A new head (the armed body is over whatever its relay thinks), a decoding failure, or anything
      // else: Vert.x's business, unarmed.
      disarm();
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf data = content.content();
    boolean last = msg instanceof LastHttpContent;
    if (!data.isReadable()) {
      if (last) {
        disarm();
      } else {
        data.release();
        return;
      }
      ctx.fireChannelRead(msg); // an empty last chunk, with or without trailers: Vert.x ends the response
      return;
    }
    connection.reportBytesRead(msg); // what Vert.x's read would have counted for the connection's meters
    if (last) {
      // The end (and the trailers) go through Vert.x without the data, which goes first.
      LastHttpContent end = ((LastHttpContent) msg).trailingHeaders().isEmpty() ? LastHttpContent.EMPTY_LAST_CONTENT
          : ((LastHttpContent) msg).replace(Unpooled.EMPTY_BUFFER);
      to.take(data);
      disarm();
      ctx.fireChannelRead(end);
    } else {
      to.take(data);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    disarm();
    super.channelInactive(ctx);
  }
}
