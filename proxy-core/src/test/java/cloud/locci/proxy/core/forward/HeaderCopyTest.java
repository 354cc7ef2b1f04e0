package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.internal.http.HttpHeadersInternal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link HeaderRules}' copies read the stored entries of Vert.x's and Netty's header maps
 * ({@link NettyHeaders}) and give the same headers as the {@code MultiMap} path.
 */
class HeaderCopyTest {

  @Test
  void storedEntriesAreReachableForHttp1MapsOnly() {
    MultiMap vertx = HttpHeaders.headers(); // Vert.x's HTTP/1.x map: itself a Netty HttpHeaders
    assertThat(NettyHeaders.of(vertx)).isSameAs(vertx);
    DefaultHttpHeaders netty = new DefaultHttpHeaders();
    // What an HTTP/1.1 upstream's response headers are: Netty's, in Vert.x's adaptor.
    assertThat(NettyHeaders.of(HttpHeadersInternal.headers(netty))).isSameAs(netty);
    assertThat(NettyHeaders.of(HttpHeadersInternal.headers(new DefaultHttp2Headers()))).isNull();
  }

  @Test
  void responseCopyDropsHopByHopAndListedHeadersAndKeepsTheRestAsStored() {
    DefaultHttpHeaders upstream = new DefaultHttpHeaders();
    AsciiString contentType = AsciiString.of("Content-Type");
    upstream.add(contentType, "text/plain")
        .add("Connection", "keep-alive, X-Hop")
        .add("X-Hop", "1")
        .add("Transfer-Encoding", "chunked")
        .add("Keep-Alive", "timeout=5")
        .add("X-Forwarded-For", "10.0.0.1")
        .add("Set-Cookie", "a=1")
        .add("Set-Cookie", "b=2");

    MultiMap fast = HttpHeaders.headers();
    HeaderRules.copyResponseHeaders(HttpHeadersInternal.headers(upstream), fast, false);
    MultiMap slow = HttpHeaders.headers();
    HeaderRules.copyResponseHeaders(http2Copy(upstream), slow, false);

    assertThat(entries(fast)).containsExactly("content-type: text/plain", "x-forwarded-for: 10.0.0.1",
        "set-cookie: a=1", "set-cookie: b=2");
    assertThat(entries(slow)).containsExactlyInAnyOrderElementsOf(entries(fast));
    // The name went on as the upstream's own object: no String made per header.
    assertThat(firstName(fast)).isSameAs(contentType);

    MultiMap tunnel = HttpHeaders.headers();
    HeaderRules.copyResponseHeaders(HttpHeadersInternal.headers(upstream), tunnel, true);
    assertThat(tunnel.getAll("connection")).containsExactly("keep-alive, X-Hop");
  }

  @Test
  void usualConnectionOptionsNameNoHeader() {
    DefaultHttpHeaders upstream = new DefaultHttpHeaders();
    upstream.add("Connection", "keep-alive").add("Connection", "Upgrade, close").add("Close", "kept");
    MultiMap out = HttpHeaders.headers();
    HeaderRules.copyResponseHeaders(HttpHeadersInternal.headers(upstream), out, false);
    assertThat(entries(out)).containsExactly("close: kept");
  }

  @Test
  void requestCopyLeavesHostExpectAndHopByHopToTheProxy() {
    MultiMap client = HttpHeaders.headers()
        .add("Host", "example.com")
        .add("Accept", "*/*")
        .add("Connection", "close, X-Private")
        .add("X-Private", "secret")
        .add("TE", "trailers")
        .add("Upgrade", "websocket")
        .add("Expect", "100-continue")
        .add("Proxy-Authorization", "Basic x")
        .add("Cookie", "c=1");

    MultiMap plain = HttpHeaders.headers();
    HeaderRules.copyRequestHeaders(client, plain, false);
    assertThat(entries(plain)).containsExactly("accept: */*", "cookie: c=1");

    MultiMap webSocket = HttpHeaders.headers();
    HeaderRules.copyRequestHeaders(client, webSocket, true);
    assertThat(entries(webSocket)).containsExactly("accept: */*", "cookie: c=1", "upgrade: websocket",
        "connection: upgrade");
  }

  private static MultiMap http2Copy(DefaultHttpHeaders from) {
    MultiMap h2 = HttpHeadersInternal.headers(new DefaultHttp2Headers());
    from.forEach(e -> h2.add(e.getKey(), e.getValue()));
    return h2;
  }

  /** "name: value" in order, names lower-cased (HTTP/2 maps store them so). */
  private static List<String> entries(MultiMap headers) {
    List<String> out = new ArrayList<>();
    headers.forEach(e -> out.add(e.getKey().toLowerCase() + ": " + e.getValue()));
    return out;
  }

  private static CharSequence firstName(MultiMap headers) {
    Iterator<Map.Entry<CharSequence, CharSequence>> it =
        ((io.netty.handler.codec.http.HttpHeaders) headers).iteratorCharSequence();
    return it.next().getKey();
  }
}
