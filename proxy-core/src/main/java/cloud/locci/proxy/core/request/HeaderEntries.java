package cloud.locci.proxy.core.request;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads a request's headers without turning them into strings. Vert.x's {@code MultiMap} iterator wraps
 * every HTTP/1.x header in a new entry and converts its name (Netty's {@code AsciiString}) to a new
 * {@code String} on each {@code getKey()}: two allocations per header per pass, and the strict-request
 * check and the client-header filter each make a pass on every request. Vert.x's HTTP/1.x headers are
 * also Netty {@code HttpHeaders}, whose {@code iteratorCharSequence()} hands out the stored entries as they
 * are; other header maps (HTTP/2) are read through their ordinary iterator.
 */
final class HeaderEntries {

  private HeaderEntries() {}

  /** The entries of {@code headers}, names and values as stored (no copy for HTTP/1.x). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Iterator<Map.Entry<CharSequence, CharSequence>> of(MultiMap headers) {
    if (headers instanceof io.netty.handler.codec.http.HttpHeaders netty) {
      return netty.iteratorCharSequence();
    }
    return (Iterator) headers.iterator();
  }

  /** ASCII case-insensitive equality of a header name with a lower-case constant, without copying. */
  static boolean nameIs(CharSequence name, String lowerCase) {
    return name.length() == lowerCase.length() && AsciiString.contentEqualsIgnoreCase(name, lowerCase);
  }
}
