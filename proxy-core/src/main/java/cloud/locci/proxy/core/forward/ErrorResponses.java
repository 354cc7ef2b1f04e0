package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.grpc.GrpcErrors;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Answers the proxy produces itself: {@code {"error": "...", "status": N, "reason": R, "request_id": ID}}
 * with {@code X-Locci-Reason: R} (SPEC §4, §11; {@code request_id} whenever the request has one); gRPC
 * requests get a gRPC status instead ({@link GrpcErrors}, SPEC §12).
 */
final class ErrorResponses {

  /** The header that carries the reason word on every proxy-made error. */
  static final CharSequence REASON_HEADER = Reason.HEADER;

  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private ErrorResponses() {}

  /** The JSON body of an error answer. */
  public static Buffer body(Reason reason, String message) {
    return body(reason, message, null);
  }

  /** The JSON body of an error answer to the request {@code requestId} (null: none, the key is left out). */
  public static Buffer body(Reason reason, String message, String requestId) {
    JsonObject json = new JsonObject()
        .put("error", message)
        .put("status", reason.status())
        .put("reason", reason.word());
    if (requestId != null) {
      json.put("request_id", requestId);
    }
    return json.toBuffer();
  }

  /**
   * Sends the error answer for {@code reason} with {@code message} and any {@code extraHeaders}
   * (e.g. {@code Allow}, {@code Retry-After}). The request body, if any, is read and dropped so the
   * connection can serve the next request.
   */
  public static Future<Void> send(HttpServerRequest request, Reason reason, String message, MultiMap extraHeaders) {
    return send(request, reason, message, extraHeaders, null);
  }

  /** Like {@link #send(HttpServerRequest, Reason, String, MultiMap)}, with the request's id in the body. */
  public static Future<Void> send(HttpServerRequest request, Reason reason, String message, MultiMap extraHeaders,
      String requestId) {
    if (GrpcErrors.isGrpc(request)) {
      return GrpcErrors.send(request, reason, message, extraHeaders, true);
    }
    HttpServerResponse response = request.response();
    if (response.headWritten()) {
      return response.reset().mapEmpty();
    }
    if (!request.isEnded()) {
      request.resume(); // resuming an HTTP/2 request whose body was all read throws
    }
    response.setStatusCode(reason.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .putHeader(REASON_HEADER, reason.word());
    if (extraHeaders != null) {
      HeaderRules.overlay(response.headers(), extraHeaders);
    }
    return response.end(body(reason, message, requestId));
  }

  /**
   * Like {@link #send(HttpServerRequest, Reason, String, MultiMap)} but leaves the request body unread
   * (the caller closes the connection after the answer: 408, 413, or a body the upstream never took).
   */
  public static Future<Void> sendWithoutReading(HttpServerRequest request, Reason reason, String message,
      MultiMap extraHeaders) {
    return sendWithoutReading(request, reason, message, extraHeaders, null);
  }

  /** Like {@link #sendWithoutReading(HttpServerRequest, Reason, String, MultiMap)}, with the request's id. */
  public static Future<Void> sendWithoutReading(HttpServerRequest request, Reason reason, String message,
      MultiMap extraHeaders, String requestId) {
    if (GrpcErrors.isGrpc(request)) {
      return GrpcErrors.send(request, reason, message, extraHeaders, false);
    }
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
    return response.end(body(reason, message, requestId));
  }

  public static Future<Void> send(HttpServerRequest request, Reason reason) {
    return send(request, reason, reason.message(), null);
  }
}
