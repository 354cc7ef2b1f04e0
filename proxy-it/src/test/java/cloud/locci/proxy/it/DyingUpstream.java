package cloud.locci.proxy.it;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A raw upstream on 127.0.0.1 and an ephemeral port that can die in the middle of a response, as a
 * crashed backend process does. {@code GET /ok} gets a complete keep-alive response; any other path
 * gets a response head announcing {@link #ANNOUNCED} bytes (Content-Length, or chunked for paths
 * starting with {@code /chunked}), then {@link #SENT} bytes of it; the connection is then closed when
 * the test calls {@link #kill()}: with a FIN, or with a RST for paths ending in {@code /rst}.
 */
final class DyingUpstream implements AutoCloseable {

  static final int ANNOUNCED = 1024 * 1024;
  static final int SENT = 64 * 1024;

  private final ServerSocket server;
  private final Thread acceptor;
  private volatile CompletableFuture<Void> kill = new CompletableFuture<>();

  DyingUpstream() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::accept, "dying-upstream");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  String address() {
    return "127.0.0.1:" + port();
  }

  /** Makes every connection now holding a cut response die. */
  void kill() {
    CompletableFuture<Void> k = kill;
    kill = new CompletableFuture<>();
    k.complete(null);
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
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      String path;
      while ((path = readRequestPath(in)) != null) {
        if (path.equals("/ok")) {
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          continue;
        }
        CompletableFuture<Void> myKill = kill;
        boolean chunked = path.startsWith("/chunked");
        out.write(("HTTP/1.1 200 OK\r\n" + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + ANNOUNCED)
            + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        byte[] part = new byte[SENT];
        if (chunked) {
          out.write((Integer.toHexString(SENT) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.write(part);
          out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else {
          out.write(part);
        }
        out.flush();
        myKill.get(60, TimeUnit.SECONDS);
        if (path.endsWith("/rst")) {
          socket.setSoLinger(true, 0);
        }
        return;
      }
    } catch (Exception e) {
      // The proxy went away first, or the test ended: nothing to do.
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
