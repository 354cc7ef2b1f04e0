package cloud.locci.proxy.core.forward;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Answers the proxy produces itself: {@code {"error": "...", "status": N, "reason": R}} with
 * {@code X-Locci-Reason: R} (SPEC §4).
 */
final class ErrorResponses {

  /** The header that carries the reason word on every proxy-made error. */
  public static final CharSequence REASON_HEADER = HttpHeaders.createOptimized("X-Locci-Reason");

  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private ErrorResponses() {}

  /** The JSON body of an error answer. */
  public static Buffer body(Reason reason, String message) {
    return new JsonObject()
        .put("error", message)
        .put("status", reason.status())
        .put("reason", reason.word())
        .toBuffer();
  }

  /**
   * Sends the error answer for {@code reason} with {@code message} and any {@code extraHeaders}
   * (e.g. {@code Allow}, {@code Retry-After}). The request body, if any, is read and dropped so the
   * connection can serve the next request.
   */
  public static Future<Void> send(HttpServerRequest request, Reason reason, String message, MultiMap extraHeaders) {
    HttpServerResponse response = request.response();
    if (response.headWritten()) {
      return response.reset().mapEmpty();
    }
    request.resume();
    response.setStatusCode(reason.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .putHeader(REASON_HEADER, reason.word());
    if (extraHeaders != null) {
      HeaderRules.overlay(response.headers(), extraHeaders);
    }
    return response.end(body(reason, message));
  }

  /**
   * Like {@link #send(HttpServerRequest, Reason, String, MultiMap)} but leaves the request body unread
   * (the caller closes the connection after the answer: 408, 413, or a body the upstream never took).
   */
  public static Future<Void> sendWithoutReading(HttpServerRequest request, Reason reason, String message,
      MultiMap extraHeaders) {
    HttpServerResponse response = request.response();
    if (response.headWritten()) {
      return response.reset().mapEmpty();
    }
    response.setStatusCode(reason.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .putHeader(REASON_HEADER, reason.word());
    if (extraHeaders != null) {
      HeaderRules.overlay(response.headers(), extraHeaders);
    }
    return response.end(body(reason, message));
  }

  public static Future<Void> send(HttpServerRequest request, Reason reason) {
    return send(request, reason, reason.message(), null);
  }
}
