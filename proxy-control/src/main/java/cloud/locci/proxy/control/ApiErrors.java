package cloud.locci.proxy.control;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** The control API's error answers: {@code {"error": "...", "status": N}}, plus {@code "errors"} for validation. */
final class ApiErrors {

  private ApiErrors() {}

  static void send(RoutingContext ctx, int status, String message) {
    send(ctx, status, message, List.of());
  }

  /** Answers {@code status} with {@code message} and, when not empty, every error line. */
  static void send(RoutingContext ctx, int status, String message, List<String> errors) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    JsonObject body = new JsonObject().put("error", message).put("status", status);
    if (!errors.isEmpty()) {
      body.put("errors", new JsonArray(errors));
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.encode());
  }

  /**
   * Answers for a failed event-bus request: the config verticle's status and error lines, or 503 when
   * nobody answers the address.
   */
  static void fromBus(RoutingContext ctx, Throwable cause, String unavailable) {
    if (cause instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      List<String> lines = List.of(String.valueOf(re.getMessage()).split("\n"));
      int status = re.failureCode() >= 400 && re.failureCode() < 600 ? re.failureCode() : 500;
      String message = switch (status) {
        case 400 -> "invalid change; the running configuration is unchanged";
        // A 500 is an exception somewhere: its text stays in the log.
        case 500 -> "internal error (see the proxy's log)";
        default -> lines.get(0);
      };
      send(ctx, status, message, status == 400 ? lines : List.of());
      return;
    }
    send(ctx, 503, unavailable);
  }
}
