package cloud.locci.proxy.core.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AttributeKey;
import io.netty.util.collection.IntObjectHashMap;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.HttpClientRequestImpl;
import io.vertx.core.http.impl.headers.HttpHeaders;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.MessageWrite;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request trailers, HTTP/2 client to HTTP/2 upstream (SPEC §12: "trailers are forwarded both ways when
 * both sides are HTTP/2"). Vert.x 5.1 has no API for either half, so this class is the one place that
 * works around it:
 *
 * <ul>
 *   <li><b>Receiving</b>: Vert.x's HTTP/2 server connection reads a request's trailing HEADERS frame and
 *       ends the stream with <em>empty</em> trailers ({@code Http2ServerConnectionImpl.onHeadersRead},
 *       vertx-core 5.1.10: "Http server request trailer - not implemented yet (in api)"). {@link #tap}
 *       (from the server's connection handler, which Vert.x calls inside the first SETTINGS, before any
 *       stream) wraps the connection's Netty frame listener in a {@link Tap} that keeps the fields of a
 *       trailing HEADERS frame (no {@code :method}, end of stream) per stream, until the stream is gone;
 *       {@link #of} takes them when the request's body ends. Netty's public API only.</li>
 *   <li><b>Sending</b>: {@code HttpClientRequest.end()} ends an HTTP/2 stream with an empty DATA frame
 *       and cannot send a trailing HEADERS frame ({@code HttpClientRequestImpl.doWrite}). The stream under
 *       it ({@code DefaultHttp2Stream}, package-private) has a public
 *       {@code writeHeaders(MultiMap, boolean end)}, the one the server response uses for its trailers.
 *       {@link #end} queues that write on the stream's own outbound queue ({@code write(MessageWrite)}),
 *       so it goes out after every DATA frame written before it, flow control included: calling
 *       {@code writeHeaders} directly could overtake DATA frames still queued behind a full window. This
 *       half needs reflection (resolved once); if a Vert.x upgrade moves these internals it fails once at
 *       class load, is logged, and request trailers are dropped again ({@code RequestTrailersTest}
 *       notices).</li>
 * </ul>
 *
 * <p>HTTP/1.1 is out: Vert.x's HTTP/1.1 server drops a chunked request's trailer section
 * ({@code Http1ServerConnection}: "TODO chunk trailers") and its HTTP/1.1 client cannot write one, so
 * request trailers from or to HTTP/1.1 are dropped, as SPEC §12 allows.
 */
final class RequestTrailers {

  private static final Logger log = LoggerFactory.getLogger(RequestTrailers.class);

  /** The {@link Tap} of an HTTP/2 client connection's channel. */
  private static final AttributeKey<Tap> TAP = AttributeKey.valueOf("locci.requestTrailers");

  /** {@code HttpClientRequestBase.stream} (an {@code HttpClientStream}). */
  private static final Field CLIENT_STREAM;
  /** {@code DefaultHttp2Stream}, the HTTP/2 stream class of both sides. */
  private static final Class<?> HTTP2_STREAM;
  /** {@code DefaultHttp2Stream.write(MessageWrite)}: the stream's ordered outbound queue. */
  private static final Method QUEUE_WRITE;
  /** {@code DefaultHttp2Stream.writeHeaders(MultiMap, boolean)}. */
  private static final Method WRITE_HEADERS;
  private static final boolean AVAILABLE;

  static {
    Field clientStream = null;
    Class<?> http2Stream = null;
    Method queueWrite = null;
    Method writeHeaders = null;
    boolean ok;
    try {
      clientStream = HttpClientRequestImpl.class.getSuperclass().getDeclaredField("stream");
      clientStream.setAccessible(true);
      http2Stream = Class.forName("io.vertx.core.http.impl.http2.DefaultHttp2Stream");
      queueWrite = http2Stream.getMethod("write", MessageWrite.class);
      queueWrite.setAccessible(true);
      writeHeaders = http2Stream.getMethod("writeHeaders", MultiMap.class, boolean.class);
      writeHeaders.setAccessible(true);
      ok = true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("HTTP/2 request trailers will be dropped: this Vert.x version's internals differ ({})",
          e.toString());
      ok = false;
    }
    CLIENT_STREAM = clientStream;
    HTTP2_STREAM = http2Stream;
    QUEUE_WRITE = queueWrite;
    WRITE_HEADERS = writeHeaders;
    AVAILABLE = ok;
  }

  private RequestTrailers() {}

  /**
   * Starts keeping the request trailers of {@code connection} if it is an HTTP/2 client connection
   * (called once per connection from the server's connection handler; HTTP/1.x connections are left
   * alone).
   */
  static void tap(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    Channel channel = base.channel();
    Http2ConnectionHandler handler = channel.pipeline().get(Http2ConnectionHandler.class);
    if (handler == null || channel.hasAttr(TAP)) {
      return;
    }
    Tap tap = new Tap(handler.decoder().frameListener());
    handler.connection().addListener(tap.forget);
    handler.decoder().frameListener(tap);
    channel.attr(TAP).set(tap);
  }

  /** {@code request}'s trailers once its body ended (empty when it had none or they cannot be seen). */
  static MultiMap of(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_2 || !(request.connection() instanceof ConnectionBase base)) {
      return BodyRelay.NO_TRAILERS;
    }
    Tap tap = base.channel().attr(TAP).get();
    Http2Headers fields = tap == null ? null : tap.trailers.remove((int) request.streamId());
    if (fields == null) {
      return BodyRelay.NO_TRAILERS;
    }
    MultiMap trailers = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<CharSequence, CharSequence> f : fields) {
      String name = f.getKey().toString();
      if (!name.startsWith(":")) {
        trailers.add(name, f.getValue().toString());
      }
    }
    return trailers;
  }

  /**
   * Keeps the fields of each stream's trailing HEADERS frame, on the connection's event loop, until the
   * request takes them or the stream goes (reset, closed): nothing outlives its stream.
   */
  private static final class Tap extends Http2FrameListenerDecorator {
    private final IntObjectHashMap<Http2Headers> trailers = new IntObjectHashMap<>(4);
    private final Http2ConnectionAdapter forget = new Http2ConnectionAdapter() {
      @Override
      public void onStreamRemoved(Http2Stream stream) {
        trailers.remove(stream.id());
      }
    };

    Tap(Http2FrameListener listener) {
      super(listener);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
        boolean endOfStream) throws Http2Exception {
      keep(streamId, headers, endOfStream);
      listener.onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
        short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
      keep(streamId, headers, endOfStream);
      listener.onHeadersRead(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endOfStream);
    }

    private void keep(int streamId, Http2Headers headers, boolean endOfStream) {
      // A request's first HEADERS frame has :method; a second one, ending the stream, is its trailers.
      if (endOfStream && headers.method() == null && !headers.isEmpty()) {
        trailers.put(streamId, headers);
      }
    }
  }

  /**
   * Ends {@code upstream}'s body, with {@code trailers} (the client's) in a trailing HEADERS frame when
   * the upstream stream is HTTP/2 and some of them may travel ({@link Trailers#allowed}); otherwise a
   * plain {@code end()}.
   *
   * @param wrote whether any body chunk was written to {@code upstream} (its head is then on the wire)
   */
  static Future<Void> end(HttpClientRequest upstream, MultiMap trailers, boolean wrote) {
    if (trailers.isEmpty() || !AVAILABLE || !(upstream instanceof HttpClientRequestImpl impl)) {
      return upstream.end();
    }
    Object stream;
    try {
      stream = CLIENT_STREAM.get(impl);
    } catch (IllegalAccessException e) {
      return upstream.end();
    }
    if (!HTTP2_STREAM.isInstance(stream)) {
      return upstream.end(); // an HTTP/1.1 upstream: Vert.x cannot write a trailer section
    }
    HttpHeaders fields = new HttpHeaders(new DefaultHttp2Headers());
    for (Map.Entry<String, String> t : trailers) {
      if (Trailers.allowed(t.getKey())) {
        fields.add(t.getKey().toLowerCase(Locale.ROOT), t.getValue());
      }
    }
    if (fields.isEmpty()) {
      return upstream.end();
    }
    if (!wrote) {
      // The head goes out with the first write: an empty DATA frame (harmless) puts it on the wire.
      upstream.write(Buffer.buffer());
    }
    Promise<Void> done = Promise.promise();
    MessageWrite write = new MessageWrite() {
      @Override
      public void write() {
        try {
          @SuppressWarnings("unchecked")
          Future<Void> written = (Future<Void>) WRITE_HEADERS.invoke(stream, fields, true);
          written.onComplete(done);
        } catch (IllegalAccessException | InvocationTargetException e) {
          done.tryFail(e.getCause() != null ? e.getCause() : e);
        }
      }

      @Override
      public void cancel(Throwable cause) {
        done.tryFail(cause);
      }
    };
    try {
      QUEUE_WRITE.invoke(stream, write);
    } catch (IllegalAccessException | InvocationTargetException e) {
      return upstream.end();
    }
    return done.future();
  }
}
