package cloud.locci.proxy.core.testing;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * A real grpc-java client (Netty transport) of {@link GrpcTestService}, for tests: over cleartext HTTP/2
 * with prior knowledge (h2c) or TLS (ALPN h2). Every call returns a {@link Result} with the status, the
 * messages, the response headers and trailers, whoever ended it (the server, the proxy, the deadline).
 * Calls block the calling thread (never call from an event loop) for at most {@link #WAIT}.
 */
public final class GrpcTestClient implements AutoCloseable {

  /** The longest a call is awaited: past it the test fails rather than hangs. */
  public static final Duration WAIT = Duration.ofSeconds(15);

  private final ManagedChannel channel;

  private GrpcTestClient(ManagedChannel channel) {
    this.channel = channel;
  }

  /** A client for {@code 127.0.0.1:port} over h2c (prior knowledge), as gRPC clients speak cleartext. */
  public static GrpcTestClient plaintext(int port) {
    return new GrpcTestClient(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
  }

  /**
   * A client for {@code 127.0.0.1:port} over TLS, trusting the PEM certificate at {@code trustedCertPath}
   * and checking it for {@code authority} (e.g. {@code localhost}).
   */
  public static GrpcTestClient tls(int port, String trustedCertPath, String authority) {
    try {
      return new GrpcTestClient(NettyChannelBuilder.forAddress("127.0.0.1", port)
          .sslContext(GrpcSslContexts.forClient().trustManager(new File(trustedCertPath)).build())
          .overrideAuthority(authority)
          .build());
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * How one call ended.
   *
   * @param status the final status (the proxy's own errors arrive here too, as trailers-only responses)
   * @param messages the response messages, in order
   * @param headers the response headers; empty for a trailers-only response
   * @param trailers the trailers (for a trailers-only response: every header of it)
   */
  public record Result(Status status, List<String> messages, Metadata headers, Metadata trailers) {

    public Status.Code code() {
      return status.getCode();
    }

    public String description() {
      return status.getDescription();
    }

    /** The value of {@code name} in the trailers, else in the headers; null when in neither. */
    public String header(String name) {
      Metadata.Key<String> key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
      String v = trailers.get(key);
      return v != null ? v : headers.get(key);
    }

    /** The one message of a successful unary call. */
    public String single() {
      if (!status.isOk() || messages.size() != 1) {
        throw new AssertionError("expected one message and OK, got " + status + " " + messages);
      }
      return messages.get(0);
    }
  }

  public Result unary(MethodDescriptor<String, String> method, String request) {
    return call(method, List.of(request), null, Map.of());
  }

  /**
   * Sends {@code requests} on one call of {@code method}, half-closes, and waits for the end.
   *
   * @param deadline the call's deadline (sent as {@code grpc-timeout}), or null for none
   * @param headers extra request headers (ASCII)
   */
  public Result call(MethodDescriptor<String, String> method, List<String> requests, Duration deadline,
      Map<String, String> headers) {
    Call call = open(method, deadline, headers);
    requests.forEach(call::send);
    call.halfClose();
    return call.result();
  }

  /** Starts a call and returns it, to send and receive step by step (bidi ping-pong). */
  public Call open(MethodDescriptor<String, String> method, Duration deadline, Map<String, String> headers) {
    CallOptions options = CallOptions.DEFAULT;
    if (deadline != null) {
      options = options.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }
    Metadata metadata = new Metadata();
    headers.forEach((k, v) -> metadata.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    return new Call(channel.newCall(method, options), metadata);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One call in progress. */
  public static final class Call {
    private final ClientCall<String, String> call;
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> incoming = new LinkedBlockingQueue<>();
    private final CompletableFuture<Result> done = new CompletableFuture<>();
    private volatile Metadata headers = new Metadata();

    Call(ClientCall<String, String> call, Metadata metadata) {
      this.call = call;
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onHeaders(Metadata h) {
          headers = h;
        }

        @Override
        public void onMessage(String message) {
          messages.add(message);
          incoming.add(message);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          done.complete(new Result(status, List.copyOf(messages), headers, trailers));
        }
      }, metadata);
      call.request(Integer.MAX_VALUE);
    }

    public void send(String message) {
      call.sendMessage(message);
    }

    public void halfClose() {
      call.halfClose();
    }

    /** Cancels the call from the client side (RST_STREAM CANCEL). */
    public void cancel() {
      call.cancel("cancelled by the test", null);
    }

    /** The next response message, waiting at most {@link #WAIT}; fails the test past it. */
    public String next() {
      try {
        String m = incoming.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
          throw new AssertionError("no message within " + WAIT + (done.isDone() ? "; call ended: " + done.join().status() : ""));
        }
        return m;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    /** Waits for the end of the call, at most {@link #WAIT}. */
    public Result result() {
      try {
        return done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      } catch (ExecutionException | TimeoutException e) {
        call.cancel("the test gave up waiting", null);
        throw new AssertionError("the call did not end within " + WAIT, e);
      }
    }
  }
}
