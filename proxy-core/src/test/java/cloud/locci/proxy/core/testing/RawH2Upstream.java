package cloud.locci.proxy.core.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A cleartext HTTP/2 (prior knowledge) upstream on Netty's frame codec, not Vert.x: it sees every frame,
 * so it can tell what Vert.x's server API hides, such as a request's trailing HEADERS frame. Each request
 * is recorded ({@link #requests}) once its stream ends and answered {@code 200} with the body length as
 * text.
 */
public final class RawH2Upstream implements AutoCloseable {

  /** One request as it arrived: its header block, body length and trailers (empty when none). */
  public record Request(Http2Headers headers, long bodyLength, Http2Headers trailers) {}

  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel channel;
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private RawH2Upstream(int initialWindow) throws InterruptedException {
    channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(initialWindow)).build(), new Streams());
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
  }

  /** Listens on an ephemeral port of 127.0.0.1 with HTTP/2's default stream window (64 KiB - 1). */
  public static RawH2Upstream start() throws InterruptedException {
    return new RawH2Upstream(65_535);
  }

  /**
   * Listens with a stream window of {@code initialWindow} bytes: a client's body larger than that has to
   * wait for WINDOW_UPDATEs, so its DATA frames queue on the client's side.
   */
  public static RawH2Upstream start(int initialWindow) throws InterruptedException {
    return new RawH2Upstream(initialWindow);
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  public String address() {
    return "127.0.0.1:" + port();
  }

  /** The requests whose stream ended, in order. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** The frames of all streams of one connection (one handler per connection, on its event loop). */
  private final class Streams extends SimpleChannelInboundHandler<Http2StreamFrame> {
    private final Map<Integer, Http2Headers> heads = new HashMap<>();
    private final Map<Integer, Long> lengths = new HashMap<>();

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
      Http2FrameStream stream = frame.stream();
      int id = stream.id();
      if (frame instanceof Http2HeadersFrame headers) {
        if (!heads.containsKey(id)) {
          heads.put(id, headers.headers());
          lengths.put(id, 0L);
          if (headers.isEndStream()) {
            answer(ctx, stream, new DefaultHttp2Headers());
          }
        } else {
          answer(ctx, stream, headers.headers()); // a second HEADERS frame: the trailers
        }
      } else if (frame instanceof Http2DataFrame data) {
        int bytes = data.content().readableBytes();
        lengths.merge(id, (long) bytes, Long::sum);
        if (data.initialFlowControlledBytes() > 0) {
          ctx.write(new DefaultHttp2WindowUpdateFrame(data.initialFlowControlledBytes()).stream(stream));
        }
        if (data.isEndStream()) {
          answer(ctx, stream, new DefaultHttp2Headers());
        } else {
          ctx.flush();
        }
      }
    }

    private void answer(ChannelHandlerContext ctx, Http2FrameStream stream, Http2Headers trailers) {
      int id = stream.id();
      long length = lengths.remove(id);
      requests.add(new Request(heads.remove(id), length, trailers));
      ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false).stream(stream));
      ctx.writeAndFlush(new DefaultHttp2DataFrame(
          Unpooled.copiedBuffer(Long.toString(length), StandardCharsets.US_ASCII), true).stream(stream));
    }
  }
}
