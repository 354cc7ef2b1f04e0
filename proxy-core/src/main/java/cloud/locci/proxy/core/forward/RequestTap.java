package cloud.locci.proxy.core.forward;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.HostAndPort;

/**
 * Sees a request as the proxy forwards it (a route's mirror): its head as sent upstream, then each body
 * chunk, then its end. Installed on an {@link Exchange} before forwarding. The driver calls it on the
 * exchange's event loop; it must not block, must not keep {@code headers} or chunks beyond what it copies,
 * and can never change or hold up the forwarded request.
 */
public interface RequestTap {

  /** Watches nothing. */
  RequestTap NONE = new RequestTap() {
    @Override
    public void head(HttpMethod method, String uri, HostAndPort authority, MultiMap headers, boolean hasBody) {}

    @Override
    public void chunk(Buffer chunk) {}

    @Override
    public void end() {}

    @Override
    public void exchangeOver() {}
  };

  /**
   * The request head as the first attempt sends it (later attempts do not call this again).
   *
   * @param uri path and query as forwarded (after strip_prefix and rewriting)
   * @param headers the headers sent upstream; read now, they change later
   * @param hasBody whether body chunks and {@link #end()} follow; when false, {@link #end()} follows at once
   */
  void head(HttpMethod method, String uri, HostAndPort authority, MultiMap headers, boolean hasBody);

  /** One chunk of the request body, as it goes upstream; not to be kept (copy what is needed). */
  void chunk(Buffer chunk);

  /** The client's request is complete. */
  void end();

  /** The exchange is over (answered, failed or cut); a request whose end never came is incomplete. */
  void exchangeOver();
}
