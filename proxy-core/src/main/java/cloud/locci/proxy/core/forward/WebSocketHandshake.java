package cloud.locci.proxy.core.forward;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Checks an upstream's {@code 101 Switching Protocols} to a WebSocket handshake (RFC 6455 §4.1, SPEC
 * §15): it must say {@code Upgrade: websocket} and carry the {@code Sec-WebSocket-Accept} computed from
 * the client's key. Anything else would make the proxy open a raw tunnel to something that is not a
 * WebSocket server (an HTTP server that answers 101 to anything, a smuggling gadget).
 */
final class WebSocketHandshake {

  /** RFC 6455 §1.3. */
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private WebSocketHandshake() {}

  /** Why the upstream's 101 is refused, or null when it completes the client's handshake. */
  public static String problem(MultiMap clientHeaders, MultiMap upstreamHeaders) {
    String upgrade = upstreamHeaders.get(HttpHeaders.UPGRADE);
    if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")) {
      return "the upstream answered 101 without \"Upgrade: websocket\"";
    }
    String key = clientHeaders.get("Sec-WebSocket-Key");
    String accept = upstreamHeaders.get("Sec-WebSocket-Accept");
    if (key == null || accept == null || !accept.trim().equals(accept(key.trim()))) {
      return "the upstream answered 101 without the Sec-WebSocket-Accept matching the client's key";
    }
    return null;
  }

  /** The {@code Sec-WebSocket-Accept} value for {@code key}. */
  static String accept(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every Java platform", e);
    }
  }
}
