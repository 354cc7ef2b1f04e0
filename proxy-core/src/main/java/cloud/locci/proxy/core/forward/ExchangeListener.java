package cloud.locci.proxy.core.forward;

/**
 * Hears of every finished exchange, on the event loop that served it, after the response ended or the
 * connection failed. Must not block; the access log and the metrics are listeners.
 */
@FunctionalInterface
public interface ExchangeListener extends ConnectionGuard.RefusalListener {

  ExchangeListener NONE = e -> { };

  void onComplete(Exchange exchange);

  /**
   * A connection was answered with an error and closed before any request reached the proxy
   * (header timeout, oversized head, smuggling attempt). Default: nothing.
   */
  @Override
  default void onRefused(Reason reason, io.vertx.core.net.SocketAddress client) {
  }
}
