package cloud.locci.proxy.examples.grpc;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A gRPC demo service, {@code helloworld.Greeter/SayHello} (the service of gRPC's own hello-world
 * example), over cleartext HTTP/2 (h2c with prior knowledge, as gRPC clients speak it). It answers
 * {@code Hello <name> from <id>} with the response header {@code x-instance-id}, and gRPC status 3
 * INVALID_ARGUMENT for an empty name; any other method gets 12 UNIMPLEMENTED.
 *
 * <p>Run: {@code java -cp examples/target/demo-upstream.jar cloud.locci.proxy.examples.grpc.GreeterServer
 * greeter-1:50051 greeter-2:50052}.
 */
public final class GreeterServer {

  public static final String SAY_HELLO = "/helloworld.Greeter/SayHello";

  private GreeterServer() {}

  public static void main(String[] args) {
    if (args.length == 0 || args[0].startsWith("-")) {
      System.err.println("usage: GreeterServer ID:PORT [ID:PORT...]   e.g. greeter-1:50051 greeter-2:50052");
      System.exit(args.length == 1 && (args[0].equals("-h") || args[0].equals("--help")) ? 0 : 2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    List<Future<HttpServer>> started = new ArrayList<>();
    for (String arg : args) {
      int colon = arg.lastIndexOf(':');
      if (colon <= 0) {
        System.err.println("error: \"" + arg + "\" is not ID:PORT");
        System.exit(2);
      }
      String id = arg.substring(0, colon);
      int port = Integer.parseInt(arg.substring(colon + 1));
      started.add(start(vertx, id, "127.0.0.1", port)
          .onSuccess(s -> System.out.println("gRPC greeter " + id + " listening on 127.0.0.1:" + s.actualPort()
              + " (h2c)")));
    }
    try {
      Future.all(started).await();
    } catch (RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      vertx.close();
      System.exit(1);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await(), "greeter-shutdown"));
  }

  /** Starts one greeter instance on {@code host:port} (0: any free port). */
  public static Future<HttpServer> start(Vertx vertx, String id, String host, int port) {
    HttpServerOptions options = new HttpServerOptions().setHttp2ClearTextEnabled(true);
    return vertx.createHttpServer(options).requestHandler(req -> handle(id, req)).listen(port, host);
  }

  private static void handle(String id, HttpServerRequest req) {
    HttpServerResponse response = req.response();
    String type = req.getHeader("content-type");
    if (req.method() != HttpMethod.POST || type == null || !type.startsWith("application/grpc")) {
      // The gRPC spec's answer to a request that is not gRPC.
      response.setStatusCode(415).end("this is a gRPC service: POST application/grpc\n");
      return;
    }
    response.putHeader("content-type", "application/grpc").putHeader("x-instance-id", id);
    if (!SAY_HELLO.equals(req.path())) {
      trailersOnly(response, 12, "unknown method " + req.path());
      return;
    }
    Buffer body = Buffer.buffer();
    req.handler(chunk -> {
      if (body.length() + chunk.length() > GrpcWire.MAX_MESSAGE + 5) {
        req.handler(null);
        trailersOnly(response, 8, "request over " + GrpcWire.MAX_MESSAGE + " bytes");
        return;
      }
      body.appendBuffer(chunk);
    });
    req.endHandler(v -> {
      if (response.ended()) {
        return;
      }
      String name;
      try {
        name = GrpcWire.readStringField1(GrpcWire.single(body));
      } catch (IllegalArgumentException e) {
        trailersOnly(response, 13, "bad request message: " + e.getMessage());
        return;
      }
      if (name.isEmpty()) {
        trailersOnly(response, 3, "name is empty");
        return;
      }
      response.putTrailer("grpc-status", "0");
      response.end(GrpcWire.frame(GrpcWire.stringField1("Hello " + name + " from " + id)));
    });
  }

  private static void trailersOnly(HttpServerResponse response, int status, String message) {
    response.putHeader("grpc-status", Integer.toString(status))
        .putHeader("grpc-message", GrpcWire.encodeMessage(message))
        .end();
  }
}
