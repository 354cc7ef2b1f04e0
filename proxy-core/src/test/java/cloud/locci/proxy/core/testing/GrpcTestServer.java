package cloud.locci.proxy.core.testing;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real grpc-java server (Netty transport) of {@link GrpcTestService} on 127.0.0.1 and an ephemeral
 * port, for tests: cleartext HTTP/2 with prior knowledge (h2c, what {@code protocol: h2c} upstreams
 * speak) or TLS with ALPN h2. Every answer carries the response header {@code x-server-id}. It counts
 * calls per method, transport connections and cancelled calls, so tests can see what reached it.
 *
 * <p>grpc-java runs on its own threads: {@link #start} and {@link #close} block (call them from the test
 * thread, never from an event loop).
 */
public final class GrpcTestServer implements AutoCloseable {

  /** The response header naming the server that answered. */
  public static final Metadata.Key<String> SERVER_ID = Metadata.Key.of("x-server-id", Metadata.ASCII_STRING_MARSHALLER);

  private static final Context.Key<Metadata> HEADERS = Context.key("request-headers");

  private final String id;
  private final Server server;
  private final ScheduledExecutorService timers;
  private final ConcurrentHashMap<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger openConnections = new AtomicInteger();
  private final AtomicInteger cancelled = new AtomicInteger();

  private GrpcTestServer(String id, File certChain, File privateKey) {
    this.id = id;
    this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "grpc-test-server-" + id);
      t.setDaemon(true);
      return t;
    });
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(service(), new Recorder()))
        .addTransportFilter(new ServerTransportFilter() {
          @Override
          public io.grpc.Attributes transportReady(io.grpc.Attributes attributes) {
            connections.incrementAndGet();
            openConnections.incrementAndGet();
            return attributes;
          }

          @Override
          public void transportTerminated(io.grpc.Attributes attributes) {
            openConnections.decrementAndGet();
          }
        });
    if (certChain != null) {
      builder.useTransportSecurity(certChain, privateKey);
    }
    try {
      this.server = builder.build().start();
    } catch (IOException e) {
      timers.shutdownNow();
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a cleartext (h2c, prior knowledge) server. */
  public static GrpcTestServer start(String id) {
    return new GrpcTestServer(id, null, null);
  }

  /** Starts a TLS server (ALPN h2) with the PEM certificate chain and key at the given paths. */
  public static GrpcTestServer startTls(String id, String certChainPath, String privateKeyPath) {
    return new GrpcTestServer(id, new File(certChainPath), new File(privateKeyPath));
  }

  public int port() {
    return server.getPort();
  }

  /** {@code 127.0.0.1:port}, as an upstream server entry. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  public String id() {
    return id;
  }

  /** Calls of {@code method} that reached this server. */
  public int calls(io.grpc.MethodDescriptor<?, ?> method) {
    AtomicInteger n = calls.get(method.getFullMethodName());
    return n == null ? 0 : n.get();
  }

  /** Transport connections ever accepted (HTTP/2 connections, each carrying many calls). */
  public int connections() {
    return connections.get();
  }

  /** Transport connections open now. */
  public int openConnections() {
    return openConnections.get();
  }

  /** Calls the server saw cancelled (client gone, RST_STREAM or deadline passed) before it answered. */
  public int cancelled() {
    return cancelled.get();
  }

  /** Waits (at most {@code max}) until at least {@code n} calls were seen cancelled; false if they were not. */
  public synchronized boolean awaitCancelled(int n, java.time.Duration max) throws InterruptedException {
    long until = System.nanoTime() + max.toNanos();
    while (cancelled.get() < n) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  private synchronized void countCancelled() {
    cancelled.incrementAndGet();
    notifyAll();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timers.shutdownNow();
  }

  private ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(GrpcTestService.SERVICE)
        .addMethod(GrpcTestService.UNARY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
          out.onNext(id + ":" + req);
          out.onCompleted();
        }))
        .addMethod(GrpcTestService.SERVER_STREAM, ServerCalls.asyncServerStreamingCall(
            (String req, StreamObserver<String> out) -> {
              int n;
              try {
                n = Integer.parseInt(req.trim());
              } catch (NumberFormatException e) {
                out.onError(Status.INVALID_ARGUMENT.withDescription("not a count: " + req).asRuntimeException());
                return;
              }
              for (int i = 0; i < n; i++) {
                out.onNext("item-" + i);
              }
              out.onCompleted();
            }))
        .addMethod(GrpcTestService.CLIENT_STREAM, ServerCalls.asyncClientStreamingCall((StreamObserver<String> out) -> new StreamObserver<String>() {
          private final List<String> got = new ArrayList<>();

          @Override
          public void onNext(String value) {
            got.add(value);
          }

          @Override
          public void onError(Throwable t) {
            countCancelled();
          }

          @Override
          public void onCompleted() {
            out.onNext(String.join(",", got));
            out.onCompleted();
          }
        }))
        .addMethod(GrpcTestService.BIDI, ServerCalls.asyncBidiStreamingCall((StreamObserver<String> out) -> new StreamObserver<String>() {
          @Override
          public void onNext(String value) {
            out.onNext("echo:" + value);
          }

          @Override
          public void onError(Throwable t) {
            countCancelled();
          }

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        }))
        .addMethod(GrpcTestService.FAIL, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
          int colon = req.indexOf(':');
          Status status = Status.fromCodeValue(Integer.parseInt(colon < 0 ? req : req.substring(0, colon)));
          out.onError(status.withDescription(colon < 0 ? null : req.substring(colon + 1)).asRuntimeException());
        }))
        .addMethod(GrpcTestService.SLOW, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
          ServerCallStreamObserver<String> call = (ServerCallStreamObserver<String>) out;
          ScheduledFuture<?> answer = timers.schedule(() -> {
            if (!call.isCancelled()) {
              out.onNext("slept");
              out.onCompleted();
            }
          }, Long.parseLong(req.trim()), TimeUnit.MILLISECONDS);
          call.setOnCancelHandler(() -> {
            countCancelled();
            answer.cancel(false);
          });
        }))
        .addMethod(GrpcTestService.METADATA, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
          Iterable<String> values = HEADERS.get().getAll(Metadata.Key.of(req.trim(), Metadata.ASCII_STRING_MARSHALLER));
          out.onNext(values == null ? "-" : String.join(",", values));
          out.onCompleted();
        }))
        .build();
  }

  /** Counts calls, keeps the request headers for {@link GrpcTestService#METADATA}, adds {@code x-server-id}. */
  private final class Recorder implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      calls.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(), k -> new AtomicInteger()).incrementAndGet();
      ServerCall<Q, R> tagged = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void sendHeaders(Metadata responseHeaders) {
          responseHeaders.put(SERVER_ID, id);
          super.sendHeaders(responseHeaders);
        }
      };
      return Contexts.interceptCall(Context.current().withValue(HEADERS, headers), tagged, headers, next);
    }
  }
}
