package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.middleware.Middleware;
import io.vertx.core.MultiMap;
import java.util.List;

/** What a proxy mode decided for one request, before middlewares run. */
public sealed interface Decision {

  /**
   * Run {@code middlewares} in order, then forward to {@code target}.
   */
  record Forward(Target target, List<Middleware> middlewares) implements Decision {
    public Forward {
      middlewares = List.copyOf(middlewares);
    }
  }

  /**
   * Answer with the proxy's own error (404, 405, ...).
   *
   * @param route the route name for logs and metrics, {@code ""} when none
   * @param headers extra headers such as {@code Allow}; may be null
   */
  record Reject(String route, Reason reason, String message, MultiMap headers) implements Decision {}
}
