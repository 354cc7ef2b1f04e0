package cloud.locci.proxy.core.forward;

/**
 * Hears of every finished exchange, on the event loop that served it, after the response ended or the
 * connection failed. Must not block; the access log and the metrics are listeners.
 */
@FunctionalInterface
public interface ExchangeListener {

  ExchangeListener NONE = e -> { };

  void onComplete(Exchange exchange);

  /** This listener, then {@code next}; a failure of one does not keep the other from hearing. */
  default ExchangeListener andThen(ExchangeListener next) {
    if (this == NONE) {
      return next;
    }
    if (next == NONE) {
      return this;
    }
    ExchangeListener first = this;
    return exchange -> {
      try {
        first.onComplete(exchange);
      } finally {
        next.onComplete(exchange);
      }
    };
  }
}
