package cloud.locci.proxy.core.forward;

/**
 * Hears of every finished exchange, on the event loop that served it, after the response ended or the
 * connection failed. Must not block; the access log and the metrics are listeners.
 */
@FunctionalInterface
public interface ExchangeListener {

  ExchangeListener NONE = e -> { };

  void onComplete(Exchange exchange);
}
