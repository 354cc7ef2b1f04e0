package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/**
 * A client that writes exact bytes and collects everything the server sends until it closes the
 * connection: for requests a normal HTTP client refuses to send (smuggling attempts, slow heads).
 */
public final class RawClient {

  private RawClient() {}

  /** What came back, and that the server closed the connection afterwards. */
  public record Exchange(String received) {
    /** The status code of the first response, or -1. */
    public int status() {
      if (!received.startsWith("HTTP/1.")) {
        return -1;
      }
      return Integer.parseInt(received.substring(9, 12));
    }
  }

  /**
   * Sends {@code bytes} and completes when the server closes the connection (fails after
   * {@code maxMillis}, which then means the server kept it open).
   */
  public static Future<Exchange> sendAndAwaitClose(Vertx vertx, int port, String bytes, long maxMillis) {
    NetClient client = vertx.createNetClient();
    Promise<Exchange> done = Promise.promise();
    client.connect(port, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      NetSocket socket = ar.result();
      Buffer received = Buffer.buffer();
      socket.handler(received::appendBuffer);
      socket.closeHandler(v -> done.tryComplete(new Exchange(received.toString())));
      long timer = vertx.setTimer(maxMillis, id -> {
        done.tryFail("connection still open after " + maxMillis + " ms; received: " + received);
        socket.close();
      });
      done.future().onComplete(x -> vertx.cancelTimer(timer));
      socket.write(bytes);
    });
    return done.future().eventually(client::close);
  }
}
