package cloud.locci.proxy.core.testing;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The gRPC test service {@value #SERVICE} shared by {@link GrpcTestServer} and {@link GrpcTestClient}:
 * messages are UTF-8 strings (a custom marshaller, so no {@code .proto} and no code generation); the
 * wire format is real gRPC framing over HTTP/2.
 *
 * <ul>
 *   <li>{@link #UNARY} answers {@code "<server id>:<request>"};
 *   <li>{@link #SERVER_STREAM} takes a count N and answers N messages {@code item-0 .. item-(N-1)};
 *   <li>{@link #CLIENT_STREAM} answers the requests joined with {@code ,} after the client half-closes;
 *   <li>{@link #BIDI} answers each request at once with {@code echo:<request>} (a ping-pong proves the
 *       proxy buffers neither direction);
 *   <li>{@link #FAIL} takes {@code "<code>:<message>"} and ends with that status and description;
 *   <li>{@link #SLOW} takes a number of milliseconds and answers {@code "slept"} after them (for deadlines);
 *   <li>{@link #METADATA} takes a header name and answers the values the server received under it,
 *       joined with {@code ,}, or {@code "-"} when none.
 * </ul>
 */
public final class GrpcTestService {

  public static final String SERVICE = "locci.test.Echo";

  /** Strings as UTF-8 bytes: the simplest message type gRPC can carry. */
  public static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  public static final MethodDescriptor<String, String> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<String, String> SERVER_STREAM =
      method("ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING);
  public static final MethodDescriptor<String, String> CLIENT_STREAM =
      method("ClientStream", MethodDescriptor.MethodType.CLIENT_STREAMING);
  public static final MethodDescriptor<String, String> BIDI = method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);
  public static final MethodDescriptor<String, String> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<String, String> SLOW = method("Slow", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<String, String> METADATA = method("Metadata", MethodDescriptor.MethodType.UNARY);

  private GrpcTestService() {}

  /** The HTTP/2 {@code :path} of {@code method}, e.g. {@code /locci.test.Echo/Unary}. */
  public static String path(MethodDescriptor<?, ?> method) {
    return "/" + method.getFullMethodName();
  }

  /**
   * A unary method of any name ({@code "pkg.Service/Method"}), e.g. one the server does not have or
   * one no route matches: for the proxy's own answers.
   */
  public static MethodDescriptor<String, String> method(String fullName) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullName)
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }
}
