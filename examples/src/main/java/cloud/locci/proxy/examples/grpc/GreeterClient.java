package cloud.locci.proxy.examples.grpc;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;

/**
 * Calls {@code helloworld.Greeter/SayHello} (or another method path) over cleartext HTTP/2 with prior
 * knowledge, as a gRPC client does, and prints the gRPC status, the reply and, when the proxy answered
 * itself, its {@code x-locci-reason}. The {@code grpcurl}-free way to try the proxy's gRPC support.
 *
 * <p>Run: {@code java -cp examples/target/demo-upstream.jar cloud.locci.proxy.examples.grpc.GreeterClient
 * 127.0.0.1:8484 World [/helloworld.Greeter/SayHello]}. Exit status 0 when the call ended OK, 1 otherwise.
 */
public final class GreeterClient {

  private static final String[] CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

  /**
   * How a call ended.
   *
   * @param grpcStatus the gRPC status code, -1 when the answer had none (not a gRPC answer)
   * @param grpcMessage the status message, decoded
   * @param reply the reply's {@code message} field, or null
   * @param instance the {@code x-instance-id} of the greeter that answered, or null
   * @param reason the proxy's {@code x-locci-reason}, or null when the proxy did not answer itself
   * @param httpStatus the HTTP status (200 for every gRPC answer)
   */
  public record Result(int grpcStatus, String grpcMessage, String reply, String instance, String reason,
      int httpStatus) {

    /** One line, as the main method prints it. */
    public String describe() {
      String code = grpcStatus >= 0 && grpcStatus < CODES.length ? CODES[grpcStatus] : "none";
      StringBuilder b = new StringBuilder("grpc-status ").append(grpcStatus).append(" (").append(code).append(')');
      if (reply != null) {
        b.append(": \"").append(reply).append('"');
      } else if (!grpcMessage.isEmpty()) {
        b.append(": ").append(grpcMessage);
      }
      if (reason != null) {
        b.append("  [x-locci-reason: ").append(reason).append(']');
      }
      if (grpcStatus < 0) {
        b.append("  [HTTP ").append(httpStatus).append(']');
      }
      return b.toString();
    }
  }

  private GreeterClient() {}

  public static void main(String[] args) {
    if (args.length < 2 || args.length > 3 || args[0].lastIndexOf(':') <= 0) {
      System.err.println("usage: GreeterClient HOST:PORT NAME [METHOD_PATH]   e.g. 127.0.0.1:8484 World");
      System.exit(2);
      return;
    }
    int colon = args[0].lastIndexOf(':');
    String host = args[0].substring(0, colon);
    int port = Integer.parseInt(args[0].substring(colon + 1));
    String path = args.length == 3 ? args[2] : GreeterServer.SAY_HELLO;
    Vertx vertx = Vertx.vertx();
    HttpClient client = client(vertx);
    int exit;
    try {
      Result r = call(client, host, port, path, args[1]).await();
      System.out.println(path + " name=\"" + args[1] + "\" -> " + r.describe());
      exit = r.grpcStatus() == 0 ? 0 : 1;
    } catch (RuntimeException e) {
      System.out.println(path + " -> failed: " + e.getMessage());
      exit = 1;
    }
    vertx.close().await();
    System.exit(exit);
  }

  /** An HTTP/2 client with prior knowledge (no HTTP/1.1 upgrade), as gRPC clients connect. */
  public static HttpClient client(Vertx vertx) {
    return vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
  }

  /** One unary call of {@code path} with a {@code HelloRequest} of {@code name}. */
  public static Future<Result> call(HttpClient client, String host, int port, String path, String name) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port).setURI(path)
        .putHeader("content-type", "application/grpc")
        .putHeader("te", "trailers");
    return client.request(options)
        .compose(req -> req.send(GrpcWire.frame(GrpcWire.stringField1(name))))
        .compose(resp -> resp.body().map(body -> result(resp, body)));
  }

  private static Result result(HttpClientResponse resp, io.vertx.core.buffer.Buffer body) {
    // A trailers-only answer carries the status in its headers; a normal one in its trailers.
    String status = resp.getHeader("grpc-status");
    String message = resp.getHeader("grpc-message");
    if (status == null) {
      status = resp.getTrailer("grpc-status");
      message = resp.getTrailer("grpc-message");
    }
    String reply = null;
    if (body.length() > 0 && "0".equals(status)) {
      reply = GrpcWire.readStringField1(GrpcWire.single(body));
    }
    int code;
    try {
      code = status == null ? -1 : Integer.parseInt(status.trim());
    } catch (NumberFormatException e) {
      code = -1;
    }
    return new Result(code, GrpcWire.decodeMessage(message), reply, resp.getHeader("x-instance-id"),
        resp.getHeader("x-locci-reason"), resp.statusCode());
  }
}
