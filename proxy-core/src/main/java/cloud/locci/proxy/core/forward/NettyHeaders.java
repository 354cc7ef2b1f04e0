package cloud.locci.proxy.core.forward;

import io.netty.handler.codec.http.HttpHeaders;
import io.vertx.core.MultiMap;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The Netty header map behind a Vert.x {@link MultiMap}, so the hot path can read entries as stored.
 * Vert.x's {@code MultiMap} iterator turns every entry into a new {@code Map.Entry<String, String>} and
 * every name (Netty's {@code AsciiString}) into a new {@code String}: for the upstream's response head
 * that was 7% of the bytes allocated per small request (JFR, bench/README.md "Allocation per request").
 * Netty's {@link HttpHeaders#iteratorCharSequence()} hands out the stored entries without copies.
 *
 * <p>HTTP/1.x request headers (client side, and the upstream request being built) are Vert.x's
 * {@code Http1xHeaders}, itself a Netty {@code HttpHeaders}. An upstream's HTTP/1.1 response headers are
 * Netty's, wrapped in Vert.x's {@code HeadersAdaptor}, which has no accessor: its field is read through a
 * {@link VarHandle} found once. Where that is not possible (another Vert.x version, a module system that
 * forbids it) and for HTTP/2 header maps, {@link #of} returns null and callers take the
 * {@code MultiMap} path, which gives the same result with more garbage.
 */
final class NettyHeaders {

  private static final Class<?> ADAPTOR;
  private static final VarHandle ADAPTED;

  static {
    Class<?> type = null;
    VarHandle field = null;
    try {
      type = Class.forName("io.vertx.core.http.impl.headers.HeadersAdaptor");
      field = MethodHandles.privateLookupIn(type, MethodHandles.lookup())
          .findVarHandle(type, "headers", HttpHeaders.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      type = null;
      field = null;
    }
    ADAPTOR = type;
    ADAPTED = field;
  }

  private NettyHeaders() {}

  /** The Netty headers {@code headers} stores its entries in, or null when they cannot be reached. */
  static HttpHeaders of(MultiMap headers) {
    if (headers instanceof HttpHeaders netty) {
      return netty;
    }
    if (ADAPTED != null && headers.getClass() == ADAPTOR) {
      return (HttpHeaders) ADAPTED.get(headers);
    }
    return null;
  }
}
