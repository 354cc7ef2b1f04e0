package cloud.locci.proxy.core.grpc;

import cloud.locci.proxy.core.forward.HeaderRules;
import cloud.locci.proxy.core.forward.Reason;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * Errors the proxy makes for gRPC requests (SPEC §12): a gRPC client cannot read the JSON error, and
 * treats any HTTP status but 200 as a transport failure with a made-up gRPC status. So a request whose
 * {@code content-type} is {@code application/grpc} (or {@code application/grpc+proto},
 * {@code application/grpc-web}, ...) gets HTTP 200 and a trailers-only response: one header block,
 * no body, with {@code grpc-status}, {@code grpc-message} (the error text, percent-encoded as the gRPC
 * wire spec says) and {@code X-Locci-Reason} as on every proxy-made error.
 *
 * <p>The code follows the HTTP status of the reason, as the gRPC project's HTTP-to-gRPC table and
 * Envoy do where they agree: 502 and 503 are 14 UNAVAILABLE, 504 is 4 DEADLINE_EXCEEDED, 429 is 8
 * RESOURCE_EXHAUSTED, 401 is 16 UNAUTHENTICATED, 403 is 7 PERMISSION_DENIED, 404 and 405 are 12
 * UNIMPLEMENTED. The others, not fixed by SPEC: 413 (body over {@code max_body_size}) is 8
 * RESOURCE_EXHAUSTED, as grpc-java reports a message over its size limit; 400 and 500 are 13 INTERNAL
 * (the gRPC table's code for 400); anything else is 2 UNKNOWN (the table's default).
 */
public final class GrpcErrors {

  public static final int OK = 0;
  public static final int UNKNOWN = 2;
  public static final int DEADLINE_EXCEEDED = 4;
  public static final int PERMISSION_DENIED = 7;
  public static final int RESOURCE_EXHAUSTED = 8;
  public static final int UNIMPLEMENTED = 12;
  public static final int INTERNAL = 13;
  public static final int UNAVAILABLE = 14;
  public static final int UNAUTHENTICATED = 16;

  static final CharSequence GRPC_STATUS = HttpHeaders.createOptimized("grpc-status");
  static final CharSequence GRPC_MESSAGE = HttpHeaders.createOptimized("grpc-message");
  private static final CharSequence GRPC_CONTENT_TYPE = HttpHeaders.createOptimized("application/grpc");
  private static final String PREFIX = "application/grpc";
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  /** grpc-status values as text, made once (0..16 are the codes gRPC defines). */
  private static final String[] CODE_TEXT = new String[17];

  static {
    for (int i = 0; i < CODE_TEXT.length; i++) {
      CODE_TEXT[i] = Integer.toString(i);
    }
  }

  private GrpcErrors() {}

  /**
   * Whether {@code request} is a gRPC call: its content type is {@code application/grpc}, alone or
   * followed by {@code +} (a message format), {@code -} ({@code -web}, {@code -web-text}) or {@code ;}.
   */
  public static boolean isGrpc(HttpServerRequest request) {
    return isGrpcContentType(request.getHeader(HttpHeaders.CONTENT_TYPE));
  }

  static boolean isGrpcContentType(String type) {
    if (type == null || !type.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return false;
    }
    if (type.length() == PREFIX.length()) {
      return true;
    }
    char next = type.charAt(PREFIX.length());
    return next == '+' || next == '-' || next == ';' || next == ' ';
  }

  /** The gRPC status code for a proxy-made error of {@code reason} (see the class comment). */
  public static int code(Reason reason) {
    return switch (reason.status()) {
      case 502, 503 -> UNAVAILABLE;
      case 504 -> DEADLINE_EXCEEDED;
      case 429, 413 -> RESOURCE_EXHAUSTED;
      case 401 -> UNAUTHENTICATED;
      case 403 -> PERMISSION_DENIED;
      case 404, 405 -> UNIMPLEMENTED;
      case 400, 500 -> INTERNAL;
      default -> UNKNOWN;
    };
  }

  /**
   * Sends the trailers-only answer for {@code reason}. When the response head is already out (a
   * streaming call under way over HTTP/2), the status goes in the trailers instead, which ends the
   * stream as a gRPC failure rather than a reset; over HTTP/1.1 the response is reset as for any other
   * request.
   *
   * @param read read and drop the rest of the request body (false: the caller closes the connection)
   */
  public static Future<Void> send(HttpServerRequest request, Reason reason, String message, MultiMap extraHeaders,
      boolean read) {
    HttpServerResponse response = request.response();
    String code = CODE_TEXT[code(reason)];
    String text = percentEncode(message);
    if (response.headWritten()) {
      if (response.ended() || request.version() != io.vertx.core.http.HttpVersion.HTTP_2) {
        return response.reset().mapEmpty();
      }
      response.trailers().set(GRPC_STATUS, code).set(GRPC_MESSAGE, text)
          .set(Reason.HEADER, reason.word());
      return response.end();
    }
    if (read && !request.isEnded()) {
      request.resume();
    }
    response.setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, GRPC_CONTENT_TYPE)
        .putHeader(GRPC_STATUS, code)
        .putHeader(GRPC_MESSAGE, text)
        .putHeader(Reason.HEADER, reason.word());
    if (extraHeaders != null) {
      HeaderRules.overlay(response.headers(), extraHeaders);
    }
    return response.end();
  }

  /**
   * {@code grpc-message} encoding (gRPC over HTTP/2, "Responses"): the UTF-8 bytes, with every byte
   * outside printable ASCII and {@code %} itself written as {@code %XX}.
   */
  static String percentEncode(String message) {
    if (message == null) {
      return "";
    }
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = null;
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean plain = b >= 0x20 && b <= 0x7e && b != '%';
      if (plain && out == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(bytes.length + 16).append(message, 0, i);
      }
      if (plain) {
        out.append((char) b);
      } else {
        out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
      }
    }
    return out == null ? message : out.toString();
  }
}
