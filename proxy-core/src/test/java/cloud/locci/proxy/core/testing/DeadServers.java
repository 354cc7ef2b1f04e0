package cloud.locci.proxy.core.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * Upstream addresses that fail to connect, on loopback only: a refused port, and a "black hole" whose
 * TCP handshake never completes. The black hole is a listening socket that never accepts, with its
 * accept queue filled: Linux then drops further SYNs, so a connect stays in SYN-SENT as with a server
 * behind a firewall that drops packets. Close it after the test.
 */
public final class DeadServers implements AutoCloseable {

  private final List<AutoCloseable> held = new ArrayList<>();

  /** {@code 127.0.0.1:port} where nothing listens (connects are refused); see {@link ClosedPort}. */
  public String refused() {
    return "127.0.0.1:" + ClosedPort.find();
  }

  /** {@code 127.0.0.1:port} whose TCP handshake never completes. */
  public String blackHole() throws IOException {
    ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    held.add(server);
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    for (int i = 0; i < 16; i++) {
      Socket s = new Socket();
      held.add(s);
      try {
        s.connect(address, 300);
      } catch (SocketTimeoutException full) {
        return "127.0.0.1:" + server.getLocalPort();
      }
    }
    throw new IllegalStateException("the accept queue of port " + server.getLocalPort() + " never filled up");
  }

  @Override
  public void close() {
    for (AutoCloseable c : held) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
    held.clear();
  }
}
