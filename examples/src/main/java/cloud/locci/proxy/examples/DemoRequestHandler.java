package cloud.locci.proxy.examples;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Answers the requests of one demo upstream instance: {@code GET /instance}, {@code GET /health},
 * {@code GET /<resource>} and {@code GET /<collection>/<id>}; everything else is a JSON error.
 * Every response is JSON and carries {@code X-Upstream-Id}.
 */
final class DemoRequestHandler implements Handler<HttpServerRequest> {

  /** Response header naming the instance that answered, so a client can see where the proxy sent it. */
  static final String UPSTREAM_ID_HEADER = "X-Upstream-Id";

  private final JsonDb db;
  private final String fixedId;
  private final IntSupplier port;

  /**
   * Creates the handler.
   *
   * @param db      the data to serve
   * @param fixedId the instance id, or {@code null} for {@code "server-<port>"}
   * @param port    the listening port; read per request because with port 0 it is only known once bound
   */
  DemoRequestHandler(JsonDb db, String fixedId, IntSupplier port) {
    this.db = db;
    this.fixedId = fixedId;
    this.port = port;
  }

  /**
   * The id this instance reports.
   *
   * @return the fixed id, or {@code "server-<port>"}
   */
  String id() {
    return fixedId != null ? fixedId : "server-" + port.getAsInt();
  }

  /**
   * Answers one request: 200 with the data, 404 for an unknown path or id, 405 for a method other than
   * GET or HEAD, 400 for a malformed percent escape. Errors have the body {@code {"error": "..."}}.
   *
   * @param request the request
   */
  @Override
  public void handle(HttpServerRequest request) {
    Reply reply = reply(request);
    var response = request.response()
        .setStatusCode(reply.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(UPSTREAM_ID_HEADER, id());
    if (reply.status() == 405) {
      response.putHeader(HttpHeaders.ALLOW, "GET, HEAD");
    }
    Buffer body = Buffer.buffer(reply.json());
    // Set explicitly so that HEAD, which Vert.x answers without a body, still tells the length GET would have.
    response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length())).end(body);
  }

  private Reply reply(HttpServerRequest request) {
    if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
      return Reply.error(405, "method not allowed");
    }
    List<String> segments;
    try {
      segments = segments(request.path());
    } catch (IllegalArgumentException e) {
      return Reply.error(400, "bad request");
    }
    if (segments.size() == 1) {
      return resource(segments.get(0));
    }
    if (segments.size() == 2) {
      return db.item(segments.get(0), segments.get(1))
          .map(item -> new Reply(200, item.encode()))
          .orElseGet(Reply::notFound);
    }
    return Reply.notFound();
  }

  private Reply resource(String name) {
    // The built-in endpoints win over a data key of the same name: json-server data files written for
    // the load balancer demo carry their own "instance" object, which would report the wrong port here.
    return switch (name) {
      case "instance" ->
          new Reply(200, new JsonObject().put("id", id()).put("port", port.getAsInt()).encode());
      case "health" -> new Reply(200, new JsonObject().put("status", "ok").encode());
      default -> db.resource(name)
          .map(resource -> new Reply(200, encode(resource)))
          .orElseGet(Reply::notFound);
    };
  }

  private static String encode(Object resource) {
    return resource instanceof JsonArray array ? array.encode() : ((JsonObject) resource).encode();
  }

  /**
   * Splits a request path into decoded segments, ignoring empty ones so {@code /users/} is {@code /users}.
   *
   * @throws IllegalArgumentException on a malformed percent escape
   */
  private static List<String> segments(String path) {
    if (path == null) {
      return List.of();
    }
    return Arrays.stream(path.split("/"))
        .filter(segment -> !segment.isEmpty())
        // URLDecoder reads '+' as a space, which is right for forms but not for paths.
        .map(segment -> URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8))
        .toList();
  }

  /** A status and the JSON body to send with it. */
  private record Reply(int status, String json) {

    static Reply notFound() {
      return error(404, "not found");
    }

    static Reply error(int status, String message) {
      return new Reply(status, new JsonObject().put("error", message).encode());
    }
  }
}
