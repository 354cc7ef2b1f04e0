package cloud.locci.proxy.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads HTTP/1.1 responses byte by byte from a blocking socket, to see exactly how a response ends:
 * complete, or cut by the peer closing (FIN or RST) before the length it announced. A read that times
 * out fails the test: the proxy left the client hanging.
 */
final class RawHttp {

  private RawHttp() {}

  /** A response head as received: status code and header block (lower-cased names looked up by {@link #header}). */
  record Head(int status, String text) {
    String header(String name) {
      for (String line : text.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    boolean chunked() {
      String te = header("transfer-encoding");
      return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
    }

    long contentLength() {
      String cl = header("content-length");
      return cl == null ? -1 : Long.parseLong(cl);
    }
  }

  /** How a body ended: the bytes of content read, whether its framing said it was complete, whether the peer closed. */
  record BodyEnd(long bytes, boolean complete, boolean closed) {}

  /** Reads a response head; fails if the connection closes first. */
  static Head readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = read(in);
      if (b < 0) {
        throw new AssertionError("connection closed before a response head; got: " + head);
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    return new Head(Integer.parseInt(text.substring(9, 12)), text);
  }

  /**
   * Reads the body framed as {@code head} says until it ends, the peer closes, or at least {@code limit}
   * content bytes were read (whole chunks: the rest stays in the stream). {@code complete} is true only if the framing
   * ended properly (all Content-Length bytes, or the last chunk).
   */
  static BodyEnd readBody(InputStream in, Head head, long limit) throws IOException {
    return head.chunked() ? readChunked(in, limit) : readLength(in, head.contentLength(), limit);
  }

  private static BodyEnd readLength(InputStream in, long length, long limit) throws IOException {
    byte[] buf = new byte[16384];
    long got = 0;
    while (got < Math.min(length, limit)) {
      int n = readSome(in, buf, (int) Math.min(buf.length, Math.min(length, limit) - got));
      if (n < 0) {
        return new BodyEnd(got, false, true);
      }
      got += n;
    }
    return new BodyEnd(got, got == length, false);
  }

  private static BodyEnd readChunked(InputStream in, long limit) throws IOException {
    long got = 0;
    while (got < limit) {
      String sizeLine = readLine(in);
      if (sizeLine == null) {
        return new BodyEnd(got, false, true);
      }
      long size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) {
        // The last chunk: trailers (none expected) end with an empty line.
        String line;
        do {
          line = readLine(in);
        } while (line != null && !line.isEmpty());
        return new BodyEnd(got, line != null, line == null);
      }
      byte[] buf = new byte[16384];
      long left = size;
      while (left > 0) {
        int n = readSome(in, buf, (int) Math.min(buf.length, left));
        if (n < 0) {
          return new BodyEnd(got, false, true);
        }
        left -= n;
        got += n;
      }
      if (readLine(in) == null) {
        return new BodyEnd(got, false, true);
      }
    }
    return new BodyEnd(got, false, false);
  }

  /** Reads and discards until the peer closes (FIN or RST); returns how many bytes came before. */
  static long drainUntilClosed(InputStream in) throws IOException {
    byte[] buf = new byte[16384];
    long n = 0;
    int r;
    while ((r = readSome(in, buf, buf.length)) >= 0) {
      n += r;
    }
    return n;
  }

  /** A CRLF-terminated line without its CRLF, or null if the peer closed first. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = read(in)) >= 0) {
      if (b == '\n') {
        int len = line.length();
        return len > 0 && line.charAt(len - 1) == '\r' ? line.substring(0, len - 1) : line.toString();
      }
      line.append((char) b);
    }
    return null;
  }

  private static int read(InputStream in) throws IOException {
    byte[] one = new byte[1];
    int n = readSome(in, one, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  /** Like {@link InputStream#read(byte[], int, int)}; a reset counts as a close, a timeout fails. */
  private static int readSome(InputStream in, byte[] buf, int len) throws IOException {
    try {
      return in.read(buf, 0, len);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the proxy left the client hanging: nothing more and no close within the read timeout", e);
    } catch (SocketException e) {
      // "Connection reset": the proxy closed with RST, which is also a close.
      return -1;
    }
  }
}
