package cloud.locci.proxy.core.forward;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/**
 * Moves one body from a source stream to a sink with back-pressure, and knows at every moment who owes
 * bytes ({@link Owes}): the source (the relay waits for data), the sink (its write queue is full, the
 * source is paused) or nobody (not started, or over). It replaces Vert.x's {@code Pipe} plus the silence
 * watch's stream wrappers: one object per body, no wrapper stream, no future per chunk.
 *
 * <ul>
 *   <li><b>Data</b>: each chunk goes to {@link Events#data} first (which may refuse it: body limits),
 *       then to the sink; a full sink pauses the source until it drains.</li>
 *   <li><b>End</b>: the end of a body carries its trailers, a {@link MultiMap} that is empty when there
 *       are none (or the source cannot have any: Vert.x's HTTP/1.1 server drops request trailers). The owner gets them
 *       in {@link Events#sourceEnded} just before the sink is ended; whether they reach the other side is
 *       the {@link HeaderMapper}'s decision ({@link RequestTrailers} for a request's), and a sink that
 *       cannot carry trailers (an HTTP/1.1 request, a non-chunked HTTP/1.1 response) drops them.</li>
 *   <li><b>Progress</b>: every chunk and every change of who owes bytes touches the exchange's
 *       {@link SilenceWatch.Watched}, which reads {@link #owes()} and {@link #sinceNanos()} to blame a
 *       silence on the right side (client body timeout, client send timeout, or the route timeout).</li>
 *   <li><b>Sink swap</b>: a request body not read yet can be relayed to another attempt's request
 *       ({@link #to}); chunks go to whichever sink is current.</li>
 *   <li><b>Copy-free</b>: an HTTP/1.x response body to an HTTP/1.x client response takes the
 *       {@link DirectBody} path where it can: chunks come as the upstream's pooled buffers
 *       ({@link #take}), not as Vert.x's heap copies, and each is released when its write completes.</li>
 * </ul>
 *
 * <p>Confined to the event loop of the client connection, like its {@link ExchangeDriver}.
 */
final class BodyRelay {

  /** Trailers of a body that has none; read-only (a write throws). */
  static final MultiMap NO_TRAILERS = new HeadersAdaptor(EmptyHttpHeaders.INSTANCE);

  /** Who the relay is waiting for. */
  enum Owes {
    /** Not started or over. */
    NOBODY,
    /** The source: the relay waits for its next chunk or its end. */
    SOURCE,
    /** The sink: its write queue is full and the source is paused until it drains. */
    SINK
  }

  /** What a relay tells its owner. Each method runs on the event loop, at most once for the end ones. */
  interface Events {
    /**
     * A chunk arrived from the source, before it is written. Returning false drops it and stops the
     * relay (the owner aborted the exchange, for instance over a body limit).
     */
    default boolean data(BodyRelay relay, Buffer chunk) {
      return true;
    }

    /**
     * The source ended with {@code trailers} (empty when none); the sink is ended right after this
     * returns, so trailers the sink should carry are put into it here.
     */
    default void sourceEnded(BodyRelay relay, MultiMap trailers) {
    }

    /**
     * The sink's end completed (successfully or not): the body is over.
     *
     * @param sink the sink that was ended (a request body's sink may have been swapped since)
     */
    void ended(BodyRelay relay, WriteStream<Buffer> sink, AsyncResult<Void> end);

    /** The source or the sink failed before the end. */
    void failed(BodyRelay relay, Throwable cause);
  }

  /** How a body ends on each side: which trailers the source had, and how the sink takes them. */
  private enum Kind {
    /** Client request body to an upstream request: trailers HTTP/2 to HTTP/2 only ({@link RequestTrailers}). */
    REQUEST,
    /** Upstream response body to the client response: trailers as the mapper allows. */
    RESPONSE,
    /** Raw bytes of a WebSocket tunnel. */
    TUNNEL
  }

  private final Kind kind;
  private final ReadStream<Buffer> source;
  private final SilenceWatch.Watched watched;
  private final Events events;
  private final Handler<Void> drain = v -> drained();
  private WriteStream<Buffer> sink;
  private Owes owes = Owes.NOBODY;
  private long sinceNanos;
  private long bytes;
  private boolean started;
  private boolean sourceEnded;
  private boolean over;
  private MultiMap trailers = NO_TRAILERS;
  /** The copy-free path of this response body, while it is armed. */
  private DirectBody direct;
  private boolean copyFree;
  /** Copy-free chunks written and not yet released (their writes have not completed). */
  private int directWrites;

  private BodyRelay(Kind kind, ReadStream<Buffer> source, WriteStream<Buffer> sink, SilenceWatch.Watched watched,
      Events events) {
    this.kind = kind;
    this.source = source;
    this.sink = sink;
    this.watched = watched;
    this.events = events;
  }

  /**
   * The client's request body; its sink is given per attempt with {@link #to}. The source's handlers are
   * installed by {@link #start}, once.
   */
  static BodyRelay request(HttpServerRequest from, SilenceWatch.Watched watched, Events events) {
    return new BodyRelay(Kind.REQUEST, from, null, watched, events);
  }

  /**
   * The upstream's response body to the client. Its trailers are handed to {@link Events#sourceEnded},
   * which puts those that cross ({@link HeaderMapper}) into the client response's trailers before the
   * relay ends it. {@code to} is the client's response, or the stream a response transform (compression)
   * put in its place, which writes on to the response and ends it.
   */
  static BodyRelay response(HttpClientResponse from, WriteStream<Buffer> to, SilenceWatch.Watched watched,
      Events events) {
    return new BodyRelay(Kind.RESPONSE, from, to, watched, events);
  }

  /** One direction of a WebSocket tunnel: the end of {@code from} ends {@code to}. */
  static BodyRelay tunnel(NetSocket from, NetSocket to, SilenceWatch.Watched watched, Events events) {
    return new BodyRelay(Kind.TUNNEL, from, to, watched, events);
  }

  /**
   * Sends the following chunks, and the end, to {@code next} (a request body relayed to a new attempt).
   * A full previous sink no longer holds the source back.
   */
  void to(WriteStream<Buffer> next) {
    sink = next;
    if (owes == Owes.SINK) {
      owe(Owes.SOURCE);
      source.resume();
    }
  }

  /** Installs the handlers (first call only) and lets data flow. */
  void start() {
    if (over) {
      return;
    }
    if (!started) {
      started = true;
      source.handler(this::chunk);
      source.endHandler(v -> sourceEnd());
      // The sink's failures are its owner's business (the upstream request's exception handler, the
      // client response's close handler); a failed write shows there too.
      source.exceptionHandler(this::fail);
      if (kind == Kind.RESPONSE) {
        direct = DirectBody.arm((HttpClientResponse) source, sink, this);
        copyFree = direct != null;
      }
    }
    if (!sourceEnded && owes != Owes.SINK) {
      owe(Owes.SOURCE);
      source.resume();
    }
  }

  /**
   * Stops relaying (the exchange was aborted): later events of either stream are ignored. The source is
   * resumed: Vert.x 5.1 keeps what a paused connection reads as pooled buffers and releases them only
   * when it hands them on, never when the connection closes, so a source left paused would leak what it
   * held (VertxBufferOwnershipTest). Handed on now, it is dropped here and released by Vert.x.
   */
  void stop() {
    if (!over) {
      over = true;
      owes = Owes.NOBODY;
      disarm();
      source.resume();
    }
  }

  /** Who the relay waits for now. */
  Owes owes() {
    return owes;
  }

  /** When the last chunk arrived or who owes bytes last changed ({@link System#nanoTime()}). */
  long sinceNanos() {
    return sinceNanos;
  }

  /** Bytes taken from the source so far. */
  long bytes() {
    return bytes;
  }

  /** Whether the source sent anything (a request body that was read cannot be sent again). */
  boolean read() {
    return bytes > 0;
  }

  /** Whether this body took the copy-free path ({@link DirectBody}). */
  boolean copyFree() {
    return copyFree;
  }

  /** Copy-free chunks whose writes have not completed yet (each is released when its write completes). */
  int directWrites() {
    return directWrites;
  }

  /** Whether the source's end was seen. */
  boolean sourceEnded() {
    return sourceEnded;
  }

  /** The source's trailers: empty until it ended, and when it had none. */
  MultiMap trailers() {
    return trailers;
  }

  private void chunk(Buffer chunk) {
    if (over) {
      return;
    }
    bytes += chunk.length();
    sinceNanos = System.nanoTime();
    watched.touch();
    if (!events.data(this, chunk) || over) {
      return;
    }
    if (sink == null) {
      fail(new IllegalStateException("body data with nowhere to send it"));
      return;
    }
    sink.write(chunk);
    if (sink.writeQueueFull()) {
      source.pause();
      owe(Owes.SINK);
      sink.drainHandler(drain);
    }
  }

  /**
   * A chunk of the response body on the copy-free path, owned by the relay from here on: written as it
   * is, and released once, when its write completes (Vert.x never releases it:
   * {@code VertxBufferOwnershipTest}), or at once when it goes nowhere.
   */
  void take(ByteBuf data) {
    if (over) {
      data.release();
      return;
    }
    bytes += data.readableBytes();
    sinceNanos = System.nanoTime();
    watched.touch();
    Buffer chunk = BufferInternal.buffer(data);
    Future<Void> written;
    try {
      if (!events.data(this, chunk) || over) {
        data.release();
        return;
      }
      written = sink.write(chunk);
    } catch (RuntimeException e) {
      data.release();
      fail(e);
      return;
    }
    directWrites++;
    written.onComplete(ar -> {
      directWrites--;
      data.release();
    });
    if (sink.writeQueueFull() && owes != Owes.SINK) {
      direct.pause(this);
      owe(Owes.SINK);
      sink.drainHandler(drain);
    }
  }

  private void drained() {
    if (over || owes != Owes.SINK) {
      return;
    }
    watched.touch();
    owe(Owes.SOURCE);
    if (direct != null) {
      direct.resume(this);
    } else {
      source.resume();
    }
  }

  private void disarm() {
    if (direct != null) {
      direct.disarm(this);
      direct = null;
    }
  }

  private void sourceEnd() {
    if (over) {
      return;
    }
    sourceEnded = true;
    disarm();
    owe(Owes.NOBODY);
    watched.touch();
    if (kind == Kind.RESPONSE) {
      MultiMap t = ((HttpClientResponse) source).trailers();
      if (t != null && !t.isEmpty()) {
        trailers = t;
      }
    } else if (kind == Kind.REQUEST) {
      trailers = RequestTrailers.of((HttpServerRequest) source); // HTTP/2 clients' only
    }
    events.sourceEnded(this, trailers);
    if (over) {
      return;
    }
    WriteStream<Buffer> ended = sink;
    if (ended == null) {
      return; // between two attempts: the owner ends the next attempt's request itself (sourceEnded())
    }
    Future<Void> end;
    if (kind == Kind.REQUEST) {
      // An HTTP/2 upstream stream gets them in a trailing HEADERS frame; elsewhere they end here.
      end = RequestTrailers.end((HttpClientRequest) sink, trailers, bytes > 0);
    } else {
      end = sink.end();
    }
    end.onComplete(ar -> {
      if (!over) {
        over = true;
        events.ended(this, ended, ar);
      }
    });
  }

  private void fail(Throwable cause) {
    if (over) {
      return;
    }
    over = true;
    owes = Owes.NOBODY;
    disarm();
    events.failed(this, cause);
  }

  private void owe(Owes who) {
    owes = who;
    sinceNanos = System.nanoTime();
  }
}
