package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream that shows exactly which bytes the proxy sent: it records each request head as text and
 * answers every head with a fixed response (which may carry hop-by-hop headers the proxy must drop).
 * Bodies are not supported: tests use it for bodiless requests.
 */
public final class RawUpstream {

  private final NetServer server;
  private final List<String> heads = new CopyOnWriteArrayList<>();

  private RawUpstream(NetServer server) {
    this.server = server;
  }

  /** Starts on 127.0.0.1 and an ephemeral port, answering each request head with {@code response}. */
  public static Future<RawUpstream> start(Vertx vertx, String response) {
    NetServer server = vertx.createNetServer();
    RawUpstream upstream = new RawUpstream(server);
    server.connectHandler(socket -> {
      StringBuilder pending = new StringBuilder();
      socket.handler(buf -> {
        pending.append(buf.toString());
        int end;
        while ((end = pending.indexOf("\r\n\r\n")) >= 0) {
          upstream.heads.add(pending.substring(0, end + 2));
          pending.delete(0, end + 4);
          socket.write(response);
        }
      });
    });
    return server.listen(0, "127.0.0.1").map(s -> upstream);
  }

  public int port() {
    return server.actualPort();
  }

  public String address() {
    return "127.0.0.1:" + port();
  }

  /** The request heads received so far, each as sent: request line and header lines, CRLF-separated. */
  public List<String> heads() {
    return heads;
  }
}
