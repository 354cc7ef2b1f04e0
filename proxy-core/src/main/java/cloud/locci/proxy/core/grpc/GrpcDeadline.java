package cloud.locci.proxy.core.grpc;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/**
 * The deadline a gRPC client sends in {@code grpc-timeout} (SPEC §12): when it is shorter than the
 * route's {@code timeout_secs} (or the route has none), it bounds the whole call, and the proxy ends the
 * call when it passes as a route timeout (gRPC status 4, reason {@code upstream_timeout}), resetting the
 * upstream stream so the server stops working on it. The header itself is forwarded as it came.
 *
 * <p>The value is {@code 1*8 DIGIT} and one unit of {@code H M S m u n} (gRPC over HTTP/2). A malformed
 * value (no digit, more than 8 digits, another unit, spaces) is ignored, as Envoy does: the route's own
 * timeout applies and the upstream sees the header and judges it. The deadline is the client's choice,
 * so passing it never counts against the server's health (passive ejection) and never starts a retry.
 */
public final class GrpcDeadline {

  /** The header with the client's deadline for the call ({@code 100m}, {@code 5S}, ...). */
  public static final String HEADER = "grpc-timeout";
  private static final int MAX_DIGITS = 8;
  private static final long MAX_MS = 30L * 24 * 3600 * 1000;

  private final Vertx vertx;
  private final long timer;

  private GrpcDeadline(Vertx vertx, long timer) {
    this.vertx = vertx;
    this.timer = timer;
  }

  /**
   * Starts the deadline of {@code request} when it is a gRPC call whose {@code grpc-timeout} is shorter
   * than {@code routeTimeoutMs}; {@code expired} then runs on the request's event loop when it passes.
   * Call on the request's event loop.
   *
   * @param routeTimeoutMs the route's timeout; 0 or less for none
   * @return the running deadline, to {@link #cancel()} when the exchange ends; null when none applies
   */
  public static GrpcDeadline start(HttpServerRequest request, long routeTimeoutMs, Runnable expired) {
    String value = request.getHeader(HEADER);
    if (value == null || !GrpcErrors.isGrpc(request)) {
      return null;
    }
    long ms = bound(parseMillis(value), routeTimeoutMs);
    Context context = Vertx.currentContext();
    if (ms < 0 || context == null) {
      return null;
    }
    Vertx vertx = context.owner();
    // Past 30 days the difference is moot, and a timer that far out stays clear of overflow.
    ms = Math.min(ms, MAX_MS);
    // A zero deadline has already passed: the next turn of the loop ends the call (Vert.x timers need 1 ms).
    return new GrpcDeadline(vertx, vertx.setTimer(Math.max(1, ms), id -> expired.run()));
  }

  /** Stops the deadline (the exchange ended first). */
  public void cancel() {
    vertx.cancelTimer(timer);
  }

  /** The call's bound: {@code grpcMs} when valid and shorter than the route's timeout (if any), else -1. */
  static long bound(long grpcMs, long routeTimeoutMs) {
    if (grpcMs < 0) {
      return -1;
    }
    return routeTimeoutMs <= 0 || grpcMs < routeTimeoutMs ? grpcMs : -1;
  }

  /**
   * Milliseconds of a {@code grpc-timeout} value, rounded up (a deadline of 1 ns must still end the
   * call, not disable it); -1 when malformed.
   */
  static long parseMillis(String value) {
    int n = value.length();
    if (n < 2 || n > MAX_DIGITS + 1) {
      return -1;
    }
    long amount = 0;
    for (int i = 0; i < n - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      amount = amount * 10 + (c - '0');
    }
    // At most 99,999,999 of any unit: no overflow below (99,999,999 h is about 3.6e14 ms).
    return switch (value.charAt(n - 1)) {
      case 'H' -> amount * 3_600_000L;
      case 'M' -> amount * 60_000L;
      case 'S' -> amount * 1_000L;
      case 'm' -> amount;
      case 'u' -> (amount + 999) / 1_000;
      case 'n' -> (amount + 999_999) / 1_000_000;
      default -> -1;
    };
  }
}
