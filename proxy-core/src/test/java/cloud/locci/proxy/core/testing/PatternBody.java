package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A large body made of one 64 KiB pattern repeated {@code chunks} times, written with back-pressure
 * (never more than the stream's write queue in memory) and known by its length and SHA-256, so that
 * the side that receives it can check every byte without keeping any.
 */
public final class PatternBody {

  public static final int CHUNK = 64 * 1024;

  private final Buffer chunk;
  private final int chunks;

  private PatternBody(int chunks) {
    byte[] pattern = new byte[CHUNK];
    for (int i = 0; i < CHUNK; i++) {
      pattern[i] = (byte) (i * 31 + 7);
    }
    this.chunk = Buffer.buffer(pattern);
    this.chunks = chunks;
  }

  /** A body of {@code mebibytes} MiB. */
  public static PatternBody ofMebibytes(int mebibytes) {
    return new PatternBody(mebibytes * (1024 * 1024 / CHUNK));
  }

  public long length() {
    return (long) CHUNK * chunks;
  }

  /** The SHA-256 of the whole body, in lower-case hex (computed here, as the receiver will). */
  public String sha256() {
    MessageDigest sha = newSha256();
    byte[] bytes = chunk.getBytes();
    for (int i = 0; i < chunks; i++) {
      sha.update(bytes);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Writes the whole body to {@code stream} (not ending it), waiting for drain whenever its queue is full. */
  public Future<Void> writeTo(WriteStream<Buffer> stream) {
    Promise<Void> written = Promise.promise();
    writeFrom(stream, 0, written);
    return written.future();
  }

  private void writeFrom(WriteStream<Buffer> stream, int sent, Promise<Void> done) {
    int i = sent;
    while (i < chunks) {
      stream.write(chunk);
      i++;
      if (stream.writeQueueFull()) {
        int next = i;
        stream.drainHandler(v -> writeFrom(stream, next, done));
        return;
      }
    }
    done.tryComplete();
  }

  /** A new SHA-256 digest, for receivers that hash a body as it streams. */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
