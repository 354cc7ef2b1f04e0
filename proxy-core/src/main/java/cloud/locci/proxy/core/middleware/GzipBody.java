package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.forward.ResponseTransform;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A response body compressed on the way, in the gzip format (RFC 1952) built here around the JDK's raw
 * {@link Deflater}: a 10-byte header before the first data, the deflate stream, and the CRC-32 and length
 * trailer at the end. Each chunk written is compressed and flushed at once ({@link Deflater#SYNC_FLUSH}),
 * so a streamed response (server-sent events, long polls) reaches the client chunk by chunk and nothing
 * is held back; memory is the deflater's own state (about 256 KiB of native memory) plus the chunk in
 * hand. Back-pressure is the client's: {@link #writeQueueFull} and {@link #drainHandler} are those of
 * the stream below.
 *
 * <p>Confined to the exchange's event loop. The deflater is released at the end, or by
 * {@link #release()} when the exchange is cut before it.
 */
final class GzipBody implements ResponseTransform.Body {

  /** nginx's default {@code gzip_comp_level}: most of the gain for a fraction of the CPU of level 6. */
  static final int LEVEL = 1;

  private static final byte[] HEADER = {
      0x1f, (byte) 0x8b, // magic
      8, // deflate
      0, // no flags: no name, no comment, no extra field
      0, 0, 0, 0, // no modification time
      0, // no extra flags
      (byte) 0xff // operating system unknown
  };
  private static final int SCRATCH = 16 * 1024;

  private final WriteStream<Buffer> out;
  private final AtomicInteger active;
  private final Deflater deflater = new Deflater(LEVEL, true);
  private final CRC32 crc = new CRC32();
  private final byte[] scratch = new byte[SCRATCH];
  private long length;
  private boolean headerSent;
  private boolean released;

  /**
   * @param out where the compressed bytes go
   * @param active the process's count of live deflaters, decremented once when this one is released
   */
  GzipBody(WriteStream<Buffer> out, AtomicInteger active) {
    this.out = out;
    this.active = active;
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (released) {
      return Future.failedFuture("the response was cut: compressor released");
    }
    if (data.length() == 0) {
      return Future.succeededFuture();
    }
    byte[] bytes = data.getBytes();
    crc.update(bytes);
    length += bytes.length;
    deflater.setInput(bytes);
    Buffer compressed = Buffer.buffer(Math.min(bytes.length + HEADER.length + 16, 64 * 1024));
    header(compressed);
    drain(compressed, Deflater.SYNC_FLUSH);
    return out.write(compressed);
  }

  @Override
  public Future<Void> end() {
    if (released) {
      return Future.failedFuture("the response was cut: compressor released");
    }
    Buffer last = Buffer.buffer(64);
    header(last);
    deflater.finish();
    while (!deflater.finished()) {
      int n = deflater.deflate(scratch, 0, scratch.length);
      last.appendBytes(scratch, 0, n);
    }
    last.appendIntLE((int) crc.getValue()).appendIntLE((int) length); // ISIZE: the length modulo 2^32
    release();
    return out.end(last);
  }

  private void header(Buffer into) {
    if (!headerSent) {
      headerSent = true;
      into.appendBytes(HEADER);
    }
  }

  /** Moves everything the deflater can give for the input so far into {@code into}. */
  private void drain(Buffer into, int flush) {
    int n;
    do {
      n = deflater.deflate(scratch, 0, scratch.length, flush);
      into.appendBytes(scratch, 0, n);
    } while (n == scratch.length);
  }

  @Override
  public void release() {
    if (!released) {
      released = true;
      deflater.end();
      active.decrementAndGet();
    }
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    out.exceptionHandler(handler);
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    out.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return out.writeQueueFull();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    out.drainHandler(handler);
    return this;
  }
}
