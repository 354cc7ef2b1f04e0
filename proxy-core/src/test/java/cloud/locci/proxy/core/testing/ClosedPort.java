package cloud.locci.proxy.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** A port of 127.0.0.1 that nothing listens on, for an upstream that refuses every connection. */
public final class ClosedPort {

  private ClosedPort() {
  }

  /** Binds an ephemeral port and releases it at once: connections to it are then refused. */
  public static int find() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no ephemeral port to find", e);
    }
  }
}
