package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.LeakWatch;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.VertxHeapByteBuf;
import io.vertx.core.buffer.impl.VertxUnsafeHeapByteBuf;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The spike behind the copy-free response body ({@link DirectBody}), kept as the record of what Vert.x
 * 5.1 does with body buffers (real servers and clients on ephemeral ports, Netty's leak detector at
 * PARANOID). If a Vert.x upgrade changes any of this, these tests say so before the proxy leaks or copies.
 *
 * <ul>
 *   <li>Inbound: every body chunk Vert.x hands out is a copy on the heap. HTTP/1.1 server request data
 *       ({@code Http1ServerConnection.onContent}) and client response data
 *       ({@code Http1ClientConnection.handleResponseChunk}) go through {@code VertxHandler.safeBuffer},
 *       which copies any buffer from the pooled or adaptive allocator to a Vert.x heap buffer and releases
 *       the original; HTTP/2 data ({@code Http2ConnectionImpl.onDataRead}) is always copied.</li>
 *   <li>Outbound: a {@link Buffer} wrapping a pooled direct {@link ByteBuf} ({@code BufferInternal.buffer})
 *       written through {@code HttpServerResponse.write}, {@code end} or {@code HttpClientRequest.write}
 *       is never released by Vert.x ({@code BufferImpl.getByteBuf} writes an unreleasable slice of any
 *       buffer that is not a Vert.x heap buffer), on success and on a closed or reset connection alike,
 *       and its write future always completes: the writer releases it, exactly once, when that future
 *       completes.</li>
 * </ul>
 */
@ExtendWith(VertxExtension.class)
class VertxBufferOwnershipTest {

  private static final int CHUNK = 64 * 1024;

  private Vertx vertx;
  private LeakWatch leaks;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    leaks = LeakWatch.start();
  }

  @AfterEach
  void tearDown() {
    try {
      assertThat(leaks.leaks()).isEmpty();
    } finally {
      leaks.close();
    }
  }

  /** A pooled direct buffer from the allocator Netty reads into, filled with {@code size} bytes. */
  private static ByteBuf pooled(int size, byte fill) {
    byte[] bytes = new byte[size];
    Arrays.fill(bytes, fill);
    // One write: at PARANOID every access of a tracked buffer is recorded.
    return VertxByteBufAllocator.POOLED_ALLOCATOR.directBuffer(size).writeBytes(bytes);
  }

  private static boolean vertxHeap(Buffer chunk) {
    ByteBuf inner = ((BufferInternal) chunk).unwrap();
    return inner.getClass() == VertxHeapByteBuf.class || inner.getClass() == VertxUnsafeHeapByteBuf.class;
  }

  /** A handler for the front of a pipeline that notes every buffer read, before Vert.x's handler sees it. */
  private static ChannelInboundHandlerAdapter noting(List<ByteBuf> read) {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
          read.add(b);
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  private HttpClientAgent client(HttpVersion version) {
    return vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(version)
        .setHttp2ClearTextUpgrade(false));
  }

  /** The watch itself: a buffer dropped without a release is reported (else the other tests prove nothing). */
  @Test
  void theLeakWatchSeesALostBuffer() {
    lose();
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "the lost buffer reported", () -> !leaks.leaks().isEmpty())
        .await();
    leaks.forget();
  }

  private static void lose() {
    pooled(16, (byte) 'x');
  }

  @Test
  void http1ServerRequestDataIsCopiedToTheHeap() {
    List<Buffer> chunks = new CopyOnWriteArrayList<>();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      req.handler(chunks::add);
      req.endHandler(v -> req.response().end());
    }).listen(0, "127.0.0.1").await();
    HttpClientAgent client = client(HttpVersion.HTTP_1_1);
    client.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(server.actualPort()).setHost("127.0.0.1"))
        .compose(r -> r.send(Buffer.buffer(new byte[4 * CHUNK]))).await();
    assertThat(chunks).isNotEmpty().allMatch(VertxBufferOwnershipTest::vertxHeap);
    assertThat(chunks.stream().mapToInt(Buffer::length).sum()).isEqualTo(4 * CHUNK);
  }

  @Test
  void http1ClientResponseDataIsCopiedToTheHeap() {
    HttpServer server = vertx.createHttpServer()
        .requestHandler(req -> req.response().end(Buffer.buffer(new byte[4 * CHUNK])))
        .listen(0, "127.0.0.1").await();
    List<Buffer> chunks = new CopyOnWriteArrayList<>();
    HttpClientAgent client = client(HttpVersion.HTTP_1_1);
    client.request(new RequestOptions().setPort(server.actualPort()).setHost("127.0.0.1"))
        .compose(HttpClientRequest::send)
        .compose(resp -> {
          resp.handler(chunks::add);
          return resp.end();
        }).await();
    assertThat(chunks).isNotEmpty().allMatch(VertxBufferOwnershipTest::vertxHeap);
  }

  @Test
  void http2DataIsCopiedToTheHeapBothWays() {
    List<Buffer> requestChunks = new CopyOnWriteArrayList<>();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      req.handler(requestChunks::add);
      req.endHandler(v -> req.response().end(Buffer.buffer(new byte[2 * CHUNK])));
    }).listen(0, "127.0.0.1").await();
    List<Buffer> responseChunks = new CopyOnWriteArrayList<>();
    HttpClientAgent client = client(HttpVersion.HTTP_2);
    client.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(server.actualPort()).setHost("127.0.0.1"))
        .compose(r -> r.send(Buffer.buffer(new byte[2 * CHUNK])))
        .compose(resp -> {
          assertThat(resp.version()).isEqualTo(HttpVersion.HTTP_2);
          resp.handler(responseChunks::add);
          return resp.end();
        }).await();
    assertThat(requestChunks).isNotEmpty().allMatch(VertxBufferOwnershipTest::vertxHeap);
    assertThat(responseChunks).isNotEmpty().allMatch(VertxBufferOwnershipTest::vertxHeap);
  }

  @Test
  void pooledBufferWrittenThroughServerResponseIsLeftToTheWriter() {
    List<Integer> refCntsAtCompletion = new CopyOnWriteArrayList<>();
    List<ByteBuf> written = new CopyOnWriteArrayList<>();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse response = req.response().setChunked(true);
      ByteBuf first = pooled(CHUNK, (byte) 'a');
      ByteBuf last = pooled(CHUNK, (byte) 'b');
      written.add(first);
      written.add(last);
      response.write(BufferInternal.buffer(first)).onComplete(ar -> {
        refCntsAtCompletion.add(first.refCnt());
        first.release();
      });
      response.end(BufferInternal.buffer(last)).onComplete(ar -> {
        refCntsAtCompletion.add(last.refCnt());
        last.release();
      });
    }).listen(0, "127.0.0.1").await();
    Buffer body = client(HttpVersion.HTTP_1_1)
        .request(new RequestOptions().setPort(server.actualPort()).setHost("127.0.0.1"))
        .compose(HttpClientRequest::send)
        .compose(resp -> resp.body()).await();
    assertThat(body.length()).isEqualTo(2 * CHUNK);
    assertThat(body.getByte(0)).isEqualTo((byte) 'a');
    assertThat(body.getByte(2 * CHUNK - 1)).isEqualTo((byte) 'b');
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), "both writes completed", () -> refCntsAtCompletion.size() == 2)
        .await();
    // Vert.x did not release either buffer: it was still ours at completion, and our one release freed it.
    assertThat(refCntsAtCompletion).containsExactly(1, 1);
    assertThat(written).allMatch(b -> b.refCnt() == 0);
  }

  @Test
  void pooledBufferWrittenThroughClientRequestIsLeftToTheWriter() {
    AtomicLong received = new AtomicLong();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      req.handler(b -> received.addAndGet(b.length()));
      req.endHandler(v -> req.response().end());
    }).listen(0, "127.0.0.1").await();
    ByteBuf chunk = pooled(CHUNK, (byte) 'c');
    Promise<Integer> refCnt = Promise.promise();
    client(HttpVersion.HTTP_1_1)
        .request(new RequestOptions().setMethod(HttpMethod.POST).setPort(server.actualPort()).setHost("127.0.0.1"))
        .compose(req -> {
          req.setChunked(true);
          req.write(BufferInternal.buffer(chunk)).onComplete(ar -> {
            refCnt.complete(chunk.refCnt());
            chunk.release();
          });
          return req.end().compose(v -> req.response());
        }).await();
    assertThat(refCnt.future().await()).isEqualTo(1);
    assertThat(chunk.refCnt()).isZero();
    assertThat(received.get()).isEqualTo(CHUNK);
  }

  /**
   * The client stops reading, then goes away while megabytes of pooled buffers are queued on the
   * server's connection: every write future completes (failed), none of the buffers was released by
   * Vert.x or Netty, and a write after the close fails the same way.
   */
  @Test
  void pooledBuffersQueuedOnAClosedHttp1ConnectionAreLeftToTheWriter() throws IOException {
    int count = 128;
    List<ByteBuf> buffers = new CopyOnWriteArrayList<>();
    List<Integer> refCnts = new CopyOnWriteArrayList<>();
    List<Boolean> outcomes = new CopyOnWriteArrayList<>();
    Promise<Void> queued = Promise.promise();
    Promise<Void> closed = Promise.promise();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse response = req.response().setChunked(true);
      for (int i = 0; i < count; i++) {
        ByteBuf buf = pooled(CHUNK, (byte) 'q');
        buffers.add(buf);
        response.write(BufferInternal.buffer(buf)).onComplete(ar -> {
          refCnts.add(buf.refCnt());
          outcomes.add(ar.succeeded());
          buf.release();
        });
      }
      response.closeHandler(v -> {
        ByteBuf late = pooled(CHUNK, (byte) 'l');
        buffers.add(late);
        response.write(BufferInternal.buffer(late)).onComplete(ar -> {
          refCnts.add(late.refCnt());
          outcomes.add(ar.succeeded());
          late.release();
          closed.complete();
        });
      });
      queued.complete();
    }).listen(0, "127.0.0.1").await();
    // A plain socket that never reads (a paused Vert.x client would leak what it read: see below).
    Socket socket = new Socket();
    socket.setReceiveBufferSize(16 * 1024);
    socket.connect(new InetSocketAddress("127.0.0.1", server.actualPort()));
    socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    queued.future().await();
    socket.close(); // unread bytes: a reset
    closed.future().await();
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "every write completed", () -> refCnts.size() == count + 1)
        .await();
    assertThat(refCnts).allMatch(r -> r == 1);
    assertThat(outcomes).contains(false);
    assertThat(outcomes.get(outcomes.size() - 1)).isFalse(); // the write after the close
    assertThat(buffers).allMatch(b -> b.refCnt() == 0);
  }

  /**
   * A Vert.x 5.1 leak, recorded so that an upgrade that fixes it shows: a paused {@link NetSocket} keeps
   * what it reads next, pooled buffers still, in {@code VertxConnection.pending}, and nothing releases them
   * when the connection closes (the copy to the heap, {@code StreamChannelBase}, happens only on delivery).
   * The proxy pauses one side of a WebSocket tunnel while the other is full; a tunnel closed then loses
   * that much pooled memory.
   */
  @Test
  void aPausedSocketClosedWithUnreadInputLeaksItInVertx() throws IOException {
    Promise<Void> paused = Promise.promise();
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      socket.pause();
      paused.complete();
    }).listen(0, "127.0.0.1").await();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", server.actualPort()));
      paused.future().await();
      socket.getOutputStream().write(new byte[16 * CHUNK]);
      socket.getOutputStream().flush();
    }
    Eventually.untilTrue(vertx, Duration.ofSeconds(20), "Vert.x's pending input reported lost",
        () -> !leaks.leaks().isEmpty()).await();
    leaks.forget();
  }

  /**
   * The way around that leak, which the proxy's WebSocket tunnel takes: resuming a socket when it closes
   * lets Vert.x hand its held input on (copied to the heap, the pooled buffer released), so every buffer
   * read from the connection ends released. Without the resume in the close handler this test fails.
   */
  @Test
  void aPausedSocketResumedWhenItClosesReleasesTheInputItHeld() throws IOException {
    List<ByteBuf> read = new CopyOnWriteArrayList<>();
    Promise<Void> paused = Promise.promise();
    Promise<Void> closed = Promise.promise();
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      ((NetSocketInternal) socket).channelHandlerContext().pipeline().addFirst(noting(read));
      socket.handler(b -> { });
      socket.pause();
      socket.closeHandler(v -> {
        socket.resume();
        closed.complete();
      });
      paused.complete();
    }).listen(0, "127.0.0.1").await();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", server.actualPort()));
      paused.future().await();
      socket.getOutputStream().write(new byte[16 * CHUNK]);
      socket.getOutputStream().flush();
    }
    closed.future().await();
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "every buffer read from the connection released",
        () -> read.stream().allMatch(b -> b.refCnt() == 0)).await();
    assertThat(read).isNotEmpty();
    server.close().await();
  }

  /**
   * The same held input on an HTTP/1.1 connection whose request body is paused when the server closes
   * the connection (the proxy's answer with {@code Connection: close} to a request it did not read to the
   * end): resuming the request once the connection closed hands it on and releases it, which the proxy
   * does ({@code Forwarder.releaseHeldBody}). Without the resume the buffers stay unreleased.
   */
  @Test
  void aPausedRequestResumedWhenItsConnectionClosesReleasesTheInputItHeld() throws IOException {
    List<ByteBuf> read = new CopyOnWriteArrayList<>();
    Promise<Void> paused = Promise.promise();
    Promise<Void> closed = Promise.promise();
    HttpServer server = vertx.createHttpServer().connectionHandler(conn ->
        ((ConnectionBase) conn).channelHandlerContext().pipeline().addFirst(noting(read))).requestHandler(req -> {
          req.handler(b -> { });
          req.pause();
          // As the proxy does after an answer that ends the connection: close, then resume.
          vertx.setTimer(500, t -> req.connection().close().onComplete(v -> {
            req.resume();
            closed.complete();
          }));
          paused.complete();
        }).listen(0, "127.0.0.1").await();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", server.actualPort()));
      socket.getOutputStream().write(("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + (32 * CHUNK) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      paused.future().timeout(10, TimeUnit.SECONDS).await();
      socket.getOutputStream().write(new byte[16 * CHUNK]);
      socket.getOutputStream().flush();
      closed.future().timeout(10, TimeUnit.SECONDS).await();
    }
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "every buffer read from the connection released",
        () -> read.stream().allMatch(b -> b.refCnt() == 0)).await();
    assertThat(read).isNotEmpty();
    server.close().await();
  }

  /**
   * The same held input on the client side: an upstream response paused (the proxy's client reads
   * slowly) when the exchange is aborted and the connection closed. Resuming the response after the
   * reset hands it on and releases it, which the proxy's response relay does when it is stopped
   * ({@code BodyRelay.stop}); without the resume the buffers stay unreleased.
   */
  @Test
  void aPausedResponseResumedWhenItsRequestIsResetReleasesTheInputItHeld() {
    List<ByteBuf> read = new CopyOnWriteArrayList<>();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse response = req.response().setChunked(true);
      for (int i = 0; i < 32; i++) {
        response.write(Buffer.buffer(new byte[CHUNK]));
      }
    }).listen(0, "127.0.0.1").await();
    HttpClientAgent client = vertx.httpClientBuilder()
        .withConnectHandler(conn ->
            ((ConnectionBase) conn).channelHandlerContext().pipeline().addFirst(noting(read)))
        .build();
    Promise<Void> reset = Promise.promise();
    client.request(new RequestOptions().setPort(server.actualPort()).setHost("127.0.0.1"))
        .compose(HttpClientRequest::send)
        .onSuccess(response -> {
          response.handler(b -> { });
          response.pause();
          // As the proxy does when the exchange is aborted: reset the request, then resume the response.
          vertx.setTimer(500, t -> {
            response.request().reset();
            response.resume();
            reset.complete();
          });
        });
    reset.future().timeout(10, TimeUnit.SECONDS).await();
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "every buffer read from the connection released",
        () -> read.stream().allMatch(b -> b.refCnt() == 0)).await();
    assertThat(read).isNotEmpty();
    client.close().await();
    server.close().await();
  }

  /** The same on HTTP/2 when the client resets the stream while writes wait for its flow-control window. */
  @Test
  void pooledBuffersQueuedOnAResetHttp2StreamAreLeftToTheWriter() {
    int count = 16; // 1 MiB, far beyond the 64 KiB initial window
    List<ByteBuf> buffers = new CopyOnWriteArrayList<>();
    List<Integer> refCnts = new CopyOnWriteArrayList<>();
    Promise<Void> queued = Promise.promise();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse response = req.response();
      response.writeHead();
      for (int i = 0; i < count; i++) {
        ByteBuf buf = pooled(CHUNK, (byte) 'h');
        buffers.add(buf);
        response.write(BufferInternal.buffer(buf)).onComplete(ar -> {
          refCnts.add(buf.refCnt());
          buf.release();
        });
      }
      queued.complete();
    }).listen(0, "127.0.0.1").await();
    HttpClientRequest request = client(HttpVersion.HTTP_2)
        .request(new RequestOptions().setPort(server.actualPort()).setHost("127.0.0.1")).await();
    Future<HttpClientResponse> head = request.send();
    head.await().pause(); // the stream's window stays closed
    queued.future().await();
    request.reset().await();
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "every write completed", () -> refCnts.size() == count)
        .await();
    assertThat(refCnts).allMatch(r -> r == 1);
    assertThat(buffers).allMatch(b -> b.refCnt() == 0);
  }
}
