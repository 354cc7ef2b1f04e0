package cloud.locci.proxy.core.forward;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.WriteStream;

/**
 * Changes an upstream response on its way to the client (compression). Installed on an
 * {@link Exchange} by a middleware before forwarding; the driver calls it once, when the upstream's
 * response head is in and its headers are copied, before anything is sent to the client. Not called for
 * proxy-made errors nor WebSocket tunnels. Runs on the exchange's event loop and must not block.
 */
public interface ResponseTransform {

  /**
   * Decides what happens to one response body.
   *
   * @param request the client's request
   * @param status the status the client gets
   * @param headers the client's response headers, still writable (Content-Length, Content-Encoding, Vary)
   * @param body where the body goes unchanged
   * @return null to leave the body as it is, else the stream the body is written to instead; it writes
   *     on to {@code body}, respects its back-pressure, ends it, and is released once the exchange is over
   *     (after its end, or instead of it when the exchange was cut)
   */
  Body apply(HttpServerRequest request, int status, MultiMap headers, WriteStream<Buffer> body);

  /** A transformed body: a write stream that holds resources until {@link #release()}. */
  interface Body extends WriteStream<Buffer> {

    /** Frees what the stream holds (a native compressor); later writes fail. Idempotent. */
    void release();
  }
}
