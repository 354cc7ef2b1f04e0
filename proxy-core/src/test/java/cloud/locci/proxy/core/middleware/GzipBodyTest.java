package cloud.locci.proxy.core.middleware;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** The gzip framing written around the JDK's deflater, chunk by chunk. */
class GzipBodyTest {

  /** Collects what is written; the queue is "full" while {@code full} is set. */
  static final class Sink implements WriteStream<Buffer> {
    final List<Buffer> writes = new ArrayList<>();
    boolean ended;
    boolean full;
    Handler<Void> drain;

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public Future<Void> write(Buffer data) {
      writes.add(data);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      ended = true;
      return Future.succeededFuture();
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return full;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      drain = handler;
      return this;
    }

    byte[] all() {
      Buffer b = Buffer.buffer();
      writes.forEach(b::appendBuffer);
      return b.getBytes();
    }
  }

  static byte[] gunzip(byte[] gz) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }

  @Test
  void eachChunkIsFlushedSoTheClientCanReadItAtOnce() throws IOException {
    Sink sink = new Sink();
    AtomicInteger active = new AtomicInteger(1);
    GzipBody gz = new GzipBody(sink, active);
    gz.write(Buffer.buffer("data: first event\n\n"));
    // After one chunk the bytes written so far inflate to that chunk already (SYNC_FLUSH), before any end.
    byte[] soFar = sink.all();
    assertThat(soFar[0]).isEqualTo((byte) 0x1f);
    assertThat(soFar[1]).isEqualTo((byte) 0x8b);
    java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
    inflater.setInput(soFar, 10, soFar.length - 10);
    byte[] out = new byte[100];
    int n;
    try {
      n = inflater.inflate(out);
    } catch (java.util.zip.DataFormatException e) {
      throw new AssertionError(e);
    }
    assertThat(new String(out, 0, n, StandardCharsets.UTF_8)).isEqualTo("data: first event\n\n");
    inflater.end();

    gz.write(Buffer.buffer("data: second\n\n"));
    gz.write(Buffer.buffer());
    gz.end();
    assertThat(sink.ended).isTrue();
    assertThat(new String(gunzip(sink.all()), StandardCharsets.UTF_8)).isEqualTo("data: first event\n\ndata: second\n\n");
    assertThat(active.get()).as("released at the end").isZero();
    gz.release();
    assertThat(active.get()).as("release is idempotent").isZero();
  }

  @Test
  void largeAndEmptyBodiesRoundTrip() throws IOException {
    byte[] big = new byte[3 * 1024 * 1024];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) ((i * 7919) % 251); // little repetition at short range: output larger than the scratch
    }
    Sink sink = new Sink();
    GzipBody gz = new GzipBody(sink, new AtomicInteger(1));
    for (int off = 0; off < big.length; off += 64 * 1024) {
      gz.write(Buffer.buffer().appendBytes(big, off, 64 * 1024));
    }
    gz.end();
    assertThat(gunzip(sink.all())).isEqualTo(big);

    Sink empty = new Sink();
    new GzipBody(empty, new AtomicInteger(1)).end();
    assertThat(gunzip(empty.all())).isEmpty();
  }

  @Test
  void backPressureIsTheStreamBelowAndAReleasedBodyRefusesWrites() {
    Sink sink = new Sink();
    AtomicInteger active = new AtomicInteger(1);
    GzipBody gz = new GzipBody(sink, active);
    sink.full = true;
    assertThat(gz.writeQueueFull()).isTrue();
    Handler<Void> h = v -> { };
    gz.drainHandler(h);
    assertThat(sink.drain).isSameAs(h);
    gz.release();
    assertThat(active.get()).isZero();
    assertThat(gz.write(Buffer.buffer("x")).failed()).isTrue();
    assertThat(gz.end().failed()).isTrue();
    assertThat(sink.ended).isFalse();
  }
}
