package cloud.locci.proxy.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bench-only: the ceiling of a JVM proxy on Netty alone, for issue 14's question whether a Netty-level
 * transport (no Vert.x request, response, future or stream objects) would reach nginx's throughput here.
 * A keep-alive HTTP/1.1 reverse proxy with Netty's own codec on both sides: round robin over the upstreams,
 * one pool of idle upstream connections per event loop and upstream, the request and response objects
 * handed from channel to channel as Netty decoded them (bodies as the pooled buffers read, never copied),
 * {@code X-Forwarded-For} added, one flush per read batch. Target kind {@code netty} in bench/run.sh.
 *
 * <p>It does far less than locci per request (no header rules beyond that, no smuggling checks beyond
 * Netty's decoder, no retries, timeouts, reasons, metrics or access log; no pipelining, and a client or
 * upstream that fails just loses its connection), so it is an upper bound, not a competitor.
 *
 * <pre>java -cp bench/target/benchmarks.jar cloud.locci.proxy.bench.NettyProxyServer PORT THREADS HOST:PORT...</pre>
 */
public final class NettyProxyServer {

  private NettyProxyServer() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: NettyProxyServer PORT THREADS HOST:PORT...");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    int threads = Integer.parseInt(args[1]);
    List<InetSocketAddress> origins = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      String[] hp = args[i].split(":", 2);
      origins.add(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
    }
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    // Named so that bench/run.sh's per-loop CPU report finds them, as it finds Vert.x's event loops.
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("netty-eventloop"), io);
    Class<? extends ServerChannel> serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    Class<? extends Channel> clientChannel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    Upstreams upstreams = new Upstreams(origins, clientChannel);
    new ServerBootstrap().group(group).channel(serverChannel)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new ClientSide(upstreams));
          }
        })
        .bind("127.0.0.1", port).sync();
    System.out.println("netty proxy listening on 127.0.0.1:" + port + " (" + threads + " threads, epoll " + epoll + ")");
  }

  /** Idle upstream connections, per event loop and upstream; each loop only touches its own. */
  private static final class Upstreams {
    private final List<InetSocketAddress> origins;
    private final Class<? extends Channel> channelClass;
    private final AtomicInteger next = new AtomicInteger();
    private final Map<EventLoop, List<ArrayDeque<Channel>>> idle = new IdentityHashMap<>();

    Upstreams(List<InetSocketAddress> origins, Class<? extends Channel> channelClass) {
      this.origins = origins;
      this.channelClass = channelClass;
    }

    private synchronized List<ArrayDeque<Channel>> idleOf(EventLoop loop) {
      return idle.computeIfAbsent(loop, l -> {
        List<ArrayDeque<Channel>> queues = new ArrayList<>();
        origins.forEach(o -> queues.add(new ArrayDeque<>()));
        return queues;
      });
    }

    /** Sends the request through an idle or a new connection to the next upstream. */
    void send(ClientSide client, EventLoop loop, HttpRequest head) {
      int index = Math.floorMod(next.getAndIncrement(), origins.size());
      ArrayDeque<Channel> queue = client.idle != null ? client.idle.get(index) : (client.idle = idleOf(loop)).get(index);
      Channel ch;
      while ((ch = queue.pollFirst()) != null) {
        if (ch.isActive()) {
          client.attach(ch, queue);
          ch.write(head);
          return;
        }
      }
      client.pending.add(head);
      new Bootstrap().group(loop).channel(channelClass).option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
              c.pipeline().addLast(new HttpClientCodec(), new UpstreamSide());
            }
          })
          .connect(origins.get(index)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
              client.pending.forEach(ReferenceCountUtil::release);
              client.pending.clear();
              client.channel.close();
              return;
            }
            client.attach(f.channel(), queue);
            client.pending.forEach(f.channel()::write);
            client.pending.clear();
            f.channel().flush();
          });
    }
  }

  /** A client connection: forwards each request's objects to its upstream connection, then waits. */
  private static final class ClientSide extends ChannelInboundHandlerAdapter {
    private final Upstreams upstreams;
    private final List<Object> pending = new ArrayList<>();
    private List<ArrayDeque<Channel>> idle;
    private Channel channel;
    private Channel upstream;
    private ArrayDeque<Channel> home;
    private String clientAddress;

    ClientSide(Upstreams upstreams) {
      this.upstreams = upstreams;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      channel = ctx.channel();
      clientAddress = ((InetSocketAddress) channel.remoteAddress()).getAddress().getHostAddress();
      ctx.fireChannelActive();
    }

    void attach(Channel up, ArrayDeque<Channel> queue) {
      upstream = up;
      home = queue;
      ((UpstreamSide) up.pipeline().last()).client = this;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest head) {
        head.headers().remove(HttpHeaderNames.CONNECTION);
        head.headers().add("X-Forwarded-For", clientAddress);
        upstreams.send(this, ctx.channel().eventLoop(), head);
      } else if (upstream != null && pending.isEmpty()) {
        upstream.write(msg);
      } else {
        pending.add(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (upstream != null) {
        upstream.flush();
      }
    }

    /** The response ended: the upstream connection goes back to its loop's idle queue. */
    void responseEnded() {
      Channel up = upstream;
      upstream = null;
      if (up.isActive()) {
        home.addFirst(up);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (upstream != null) {
        upstream.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** An upstream connection: writes each response object to the client it is attached to. */
  private static final class UpstreamSide extends ChannelInboundHandlerAdapter {
    ClientSide client;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ClientSide c = client;
      if (c == null) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpResponse head) {
        head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      }
      c.channel.write(msg);
      if (msg instanceof LastHttpContent) {
        client = null;
        c.channel.flush();
        c.responseEnded();
      } else if (msg instanceof HttpContent && !c.channel.isWritable()) {
        // Slow client: stop reading this upstream until it drains.
        ctx.channel().config().setAutoRead(false);
        c.channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> ctx.channel().config().setAutoRead(true));
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (client != null) {
        client.channel.flush();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (client != null) {
        client.channel.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
