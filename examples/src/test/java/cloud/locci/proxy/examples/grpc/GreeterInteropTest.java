package cloud.locci.proxy.examples.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The demo greeter's hand-written gRPC (framing, protobuf, status in trailers or trailers-only)
 * against grpc-java, both ways: grpc-java's client calls GreeterServer, GreeterClient calls a grpc-java
 * server. Messages cross as raw protobuf bytes, so no code generation is needed.
 */
@ExtendWith(VertxExtension.class)
class GreeterInteropTest {

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static MethodDescriptor<byte[], byte[]> method(String fullName) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullName).setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  }

  @Test
  void grpcJavaClientCallsTheGreeter(Vertx vertx) throws Exception {
    int port = GreeterServer.start(vertx, "greeter-1", "127.0.0.1", 0).await().actualPort();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      byte[] reply = ClientCalls.blockingUnaryCall(channel, method("helloworld.Greeter/SayHello"),
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), GrpcWire.stringField1("Wörld"));
      assertThat(GrpcWire.readStringField1(reply)).isEqualTo("Hello Wörld from greeter-1");

      StatusRuntimeException empty = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(channel, method("helloworld.Greeter/SayHello"), CallOptions.DEFAULT,
              GrpcWire.stringField1("")));
      assertThat(empty.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(empty.getStatus().getDescription()).isEqualTo("name is empty");

      StatusRuntimeException unknown = org.assertj.core.api.Assertions.catchThrowableOfType(
          StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(channel, method("helloworld.Nope/Hi"),
              CallOptions.DEFAULT, GrpcWire.stringField1("x")));
      assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void greeterClientCallsAGrpcJavaServer(Vertx vertx) throws Exception {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerServiceDefinition.builder("helloworld.Greeter")
            .addMethod(method("helloworld.Greeter/SayHello"), ServerCalls.asyncUnaryCall((req, out) -> {
              String name = GrpcWire.readStringField1(req);
              if (name.equals("fail")) {
                out.onError(Status.NOT_FOUND.withDescription("no such name: 100% é").asRuntimeException());
                return;
              }
              out.onNext(GrpcWire.stringField1("Hi " + name));
              out.onCompleted();
            }))
            .build())
        .build().start();
    HttpClient client = GreeterClient.client(vertx);
    try {
      GreeterClient.Result ok = GreeterClient.call(client, "127.0.0.1", server.getPort(), GreeterServer.SAY_HELLO,
          "World").await();
      assertThat(ok.grpcStatus()).isZero();
      assertThat(ok.reply()).isEqualTo("Hi World");
      assertThat(ok.describe()).isEqualTo("grpc-status 0 (OK): \"Hi World\"");

      GreeterClient.Result failed = GreeterClient.call(client, "127.0.0.1", server.getPort(), GreeterServer.SAY_HELLO,
          "fail").await();
      assertThat(failed.grpcStatus()).isEqualTo(5);
      assertThat(failed.grpcMessage()).isEqualTo("no such name: 100% é");
      assertThat(failed.describe()).isEqualTo("grpc-status 5 (NOT_FOUND): no such name: 100% é");
    } finally {
      client.close().await();
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void malformedProtobufIsRefusedNotMisread() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GrpcWire.readStringField1(new byte[] {0x0a, 0x7f, 'a'}))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> GrpcWire.readStringField1(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(GrpcWire.readStringField1(new byte[] {0x10, 0x05, 0x0a, 0x01, 'z'})).isEqualTo("z");
  }
}
