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

  /** This listener, then {@code next}; a failure of one does not keep the other from hearing. */
  default ExchangeListener andThen(ExchangeListener next) {
    if (this == NONE) {
      return next;
    }
    if (next == NONE) {
      return this;
    }
    ExchangeListener first = this;
    return new ExchangeListener() {
      @Override
      public void onComplete(Exchange exchange) {
        try {
          first.onComplete(exchange);
        } finally {
          next.onComplete(exchange);
        }
      }

      @Override
      public void onRefused(Reason reason, io.vertx.core.net.SocketAddress client) {
        try {
          first.onRefused(reason, client);
        } finally {
          next.onRefused(reason, client);
        }
      }
    };
  }
}
