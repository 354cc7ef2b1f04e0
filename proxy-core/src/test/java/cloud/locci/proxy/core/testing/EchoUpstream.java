package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A real upstream for tests, on an ephemeral port: answers every request with a JSON description of what
 * it received (its id, method, uri, headers, body length and SHA-256) and {@code X-Upstream-Id}.
 * The body is hashed as it streams, so large uploads cost no memory here.
 */
public final class EchoUpstream {

  private final String id;
  private final HttpServer server;

  private EchoUpstream(String id, HttpServer server) {
    this.id = id;
    this.server = server;
  }

  /** Starts an echo upstream on 127.0.0.1 and an ephemeral port. */
  public static Future<EchoUpstream> start(Vertx vertx, String id) {
    HttpServer server = vertx.createHttpServer();
    server.requestHandler(req -> echo(id, req));
    return server.listen(0, "127.0.0.1").map(s -> new EchoUpstream(id, s));
  }

  private static void echo(String id, HttpServerRequest req) {
    MessageDigest sha = sha256();
    long[] length = {0};
    req.handler(buf -> {
      length[0] += buf.length();
      sha.update(buf.getBytes());
    });
    req.endHandler(v -> {
      JsonObject headers = new JsonObject();
      for (Map.Entry<String, String> h : req.headers()) {
        String name = h.getKey().toLowerCase();
        JsonArray values = headers.getJsonArray(name);
        if (values == null) {
          values = new JsonArray();
          headers.put(name, values);
        }
        values.add(h.getValue());
      }
      JsonObject body = new JsonObject()
          .put("id", id)
          .put("method", req.method().name())
          .put("uri", req.uri())
          .put("path", req.path())
          .put("query", req.query())
          .put("headers", headers)
          .put("bodyLength", length[0])
          .put("bodySha256", HexFormat.of().formatHex(sha.digest()));
      req.response()
          .putHeader("content-type", "application/json")
          .putHeader("x-upstream-id", id)
          .end(body.toBuffer());
    });
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String id() {
    return id;
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code 127.0.0.1:port}, as a config lists it. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  public Future<Void> close() {
    return server.close();
  }
}
