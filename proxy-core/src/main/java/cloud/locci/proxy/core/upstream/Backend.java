package cloud.locci.proxy.core.upstream;

import cloud.locci.proxy.core.config.ServerAddress;
import io.vertx.core.net.SocketAddress;

/**
 * One server of a group as the request path sees it.
 *
 * @param address the configured {@code host:port}
 * @param weight its weight (1 unless configured)
 * @param socketAddress the same, as Vert.x connects to it (host names are resolved at connect time)
 * @param stats process-wide counters of this address
 */
public record Backend(ServerAddress address, int weight, SocketAddress socketAddress, BackendStats stats) {

  public Backend(ServerAddress address, int weight, BackendStats stats) {
    this(address, weight, SocketAddress.inetSocketAddress(address.port(), address.host()), stats);
  }

  @Override
  public String toString() {
    return address.toString();
  }
}
