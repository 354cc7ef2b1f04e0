package cloud.locci.proxy.core.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.impl.VertxHandler;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one response body chunk costs between the upstream's read buffer and the client's socket, on
 * Vert.x's path and on the copy-free one ({@link DirectBody}), without the sockets: the part that
 * differs.
 *
 * <ul>
 *   <li>{@code vertxPath}: {@code VertxHandler.safeBuffer} copies the pooled direct chunk to a new heap
 *       buffer and releases it (what {@code Http1ClientConnection.handleResponseChunk} does); writing it
 *       goes through {@code BufferImpl.getByteBuf} (a slice); Netty's {@code filterOutboundMessage}
 *       copies a heap buffer into a pooled direct one before the socket write, which releases it.</li>
 *   <li>{@code directPath}: the chunk is wrapped ({@code BufferInternal.buffer}), written as Vert.x's
 *       unreleasable slice ({@code getByteBuf}), and released after the write.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BodyCopyBenchmark {

  /** Chunk sizes: Netty's default 8 KiB, and 64 KiB (the upstream client's max chunk size). */
  @Param({"8192", "65536"})
  int size;

  private final ByteBufAllocator pooled = PooledByteBufAllocator.DEFAULT;
  private byte[] bytes;

  @Setup
  public void setUp() {
    bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) (i * 31 + 7);
    }
  }

  /** The upstream's read: a pooled direct buffer with the chunk in it (the same on both paths). */
  private ByteBuf read() {
    return pooled.directBuffer(size).writeBytes(bytes);
  }

  @Benchmark
  public int vertxPath() {
    ByteBuf heap = VertxHandler.safeBuffer(read()); // copy 1, and the read buffer is released
    ByteBuf written = BufferInternal.buffer(heap).getByteBuf();
    ByteBuf direct = pooled.directBuffer(written.readableBytes()).writeBytes(written); // copy 2 (Netty)
    written.release();
    int n = direct.readableBytes();
    direct.release(); // after the socket write
    return n;
  }

  @Benchmark
  public int directPath() {
    ByteBuf chunk = read();
    ByteBuf written = BufferInternal.buffer(chunk).getByteBuf();
    int n = written.readableBytes();
    written.release(); // a no-op: the unreleasable slice Vert.x writes
    chunk.release(); // the relay's release when the write completes
    return n;
  }

  @TearDown
  public void tearDown() {
    bytes = null;
  }
}
