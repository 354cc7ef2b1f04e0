package cloud.locci.proxy.it;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A raw upstream on 127.0.0.1 and an ephemeral port that dies in the middle of a response, as a
 * crashed backend process does. {@code GET /ok} gets a complete keep-alive response. Any other path
 * gets a response head announcing {@link #ANNOUNCED} bytes (Content-Length, or chunked for paths
 * starting with {@code /chunked}), then part of the body, and keeps the connection open until the
 * test calls {@link #kill()}, which closes it: with a FIN, or with a RST for paths ending in
 * {@code /rst}. The part sent is {@link #SENT} bytes, except for:
 * <ul>
 *   <li>{@code /chunked/mid}: a chunk announcing twice {@link #SENT} bytes, of which {@link #SENT} come;
 *   <li>paths ending in {@code /stalled}: body bytes without pause, until the proxy stops reading
 *       (a client that does not read holds it back) or the kill.
 * </ul>
 */
final class DyingUpstream implements AutoCloseable {

  static final int ANNOUNCED = 64 * 1024 * 1024;
  static final int SENT = 64 * 1024;

  private final ServerSocket server;
  private final List<Socket> dying = new CopyOnWriteArrayList<>();
  private final AtomicLong written = new AtomicLong();
  private volatile long lastWriteNanos = System.nanoTime();

  DyingUpstream() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "dying-upstream");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  String address() {
    return "127.0.0.1:" + port();
  }

  /**
   * Body bytes the last {@code /stalled} response has written so far; a write blocked when the kill
   * comes may have passed up to {@link #SENT} more bytes to the kernel.
   */
  long written() {
    return written.get();
  }

  /** Whether a {@code /stalled} response has written something and then nothing for {@code millis}. */
  boolean stalledFor(long millis) {
    return written.get() > 0 && System.nanoTime() - lastWriteNanos > millis * 1_000_000;
  }

  /** Closes every connection that is holding a cut response. */
  void kill() {
    for (Socket s : dying) {
      dying.remove(s);
      try {
        s.close();
      } catch (IOException e) {
        // Already gone.
      }
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> serve(s), "dying-upstream-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      String path;
      while ((path = readRequestPath(in)) != null) {
        if (path.equals("/ok")) {
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          continue;
        }
        if (path.endsWith("/rst")) {
          socket.setSoLinger(true, 0);
        }
        dying.add(socket);
        respondUntilKilled(path, out);
        return;
      }
      socket.close();
    } catch (IOException e) {
      // Killed, or the proxy went away first.
    }
  }

  private void respondUntilKilled(String path, OutputStream out) throws IOException {
    boolean chunked = path.startsWith("/chunked");
    out.write(("HTTP/1.1 200 OK\r\n" + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + ANNOUNCED)
        + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    byte[] part = new byte[SENT];
    if (path.endsWith("/stalled")) {
      written.set(0);
      // Stops only when a write fails: the kill closed the socket.
      for (long sent = 0; sent + SENT < ANNOUNCED; sent += SENT) {
        writePart(out, part, chunked ? SENT : 0);
        written.addAndGet(SENT);
        lastWriteNanos = System.nanoTime();
      }
    } else {
      writePart(out, part, chunked ? (path.equals("/chunked/mid") ? 2 * SENT : SENT) : 0);
    }
    out.flush();
  }

  /** Writes {@code part}, as one chunk announcing {@code chunkSize} bytes when that is not 0. */
  private static void writePart(OutputStream out, byte[] part, int chunkSize) throws IOException {
    if (chunkSize > 0) {
      out.write((Integer.toHexString(chunkSize) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }
    out.write(part);
    if (chunkSize == part.length) {
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
  }

  /** Reads one request head (bodies are not expected) and returns its path, or null at end of stream. */
  private static String readRequestPath(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        String requestLine = head.substring(0, head.indexOf("\r\n"));
        return requestLine.split(" ")[1];
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    kill();
    server.close();
  }
}
