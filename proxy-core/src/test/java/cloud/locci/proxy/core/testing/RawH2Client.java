package cloud.locci.proxy.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An HTTP/2 client over TLS (ALPN {@code h2}) or cleartext with prior knowledge (h2c) that sends header
 * fields exactly as given, CR, LF, NUL and spaces included: for the requests Vert.x's and Netty's clients
 * refuse to send. Frames are written and read by hand on a blocking socket (call it off the event loop);
 * HPACK is Netty's, without validation. One request at a time, bodiless unless a body is given (then it
 * may end with trailers).
 */
public final class RawH2Client implements AutoCloseable {

  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0;
  private static final int HEADERS = 1;
  private static final int RST_STREAM = 3;
  private static final int SETTINGS = 4;
  private static final int PING = 6;
  private static final int GOAWAY = 7;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int PADDED = 0x8;
  private static final int PRIORITY = 0x20;

  /**
   * The answer to one stream.
   *
   * @param status the response status, or -1 when the stream was reset (or the connection went away)
   * @param headers the response headers (empty when reset)
   * @param body the response body as text
   * @param resetCode the RST_STREAM or GOAWAY error code; -1 when the stream ended normally, -2 when the
   *     server closed the connection without a GOAWAY
   */
  public record Response(int status, Http2Headers headers, String body, long resetCode, Http2Headers trailers) {
    Response(int status, Http2Headers headers, String body, long resetCode) {
      this(status, headers, body, resetCode, new DefaultHttp2Headers());
    }

    public boolean reset() {
      return status < 0;
    }
  }

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
  private int nextStream = 1;

  private RawH2Client(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Connects to 127.0.0.1:{@code port} over TLS (any certificate accepted), requiring ALPN h2. */
  public static RawH2Client connect(int port) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
    SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    SSLParameters params = socket.getSSLParameters();
    params.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(params);
    socket.startHandshake();
    if (!"h2".equals(socket.getApplicationProtocol())) {
      socket.close();
      throw new IllegalStateException("the server did not accept h2 by ALPN: " + socket.getApplicationProtocol());
    }
    return start(socket);
  }

  /** Connects to 127.0.0.1:{@code port} in cleartext, speaking HTTP/2 at once (prior knowledge, h2c). */
  public static RawH2Client connectCleartext(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    return start(socket);
  }

  private static RawH2Client start(Socket socket) throws IOException {
    RawH2Client client = new RawH2Client(socket);
    client.out.write(PREFACE);
    client.frame(SETTINGS, 0, 0, new byte[0]);
    client.out.flush();
    return client;
  }

  /**
   * Sends a request with {@code fields}, then {@code body} in one DATA frame and, when {@code trailers}
   * is not empty, a trailing HEADERS frame; reads until that stream ends.
   */
  public Response send(List<Map.Entry<String, String>> fields, String body, List<Map.Entry<String, String>> trailers)
      throws IOException, Http2Exception {
    int stream = nextStream;
    nextStream += 2;
    frame(HEADERS, END_HEADERS, stream, encode(stream, fields));
    byte[] data = body.getBytes(StandardCharsets.UTF_8);
    frame(DATA, trailers.isEmpty() ? END_STREAM : 0, stream, data);
    if (!trailers.isEmpty()) {
      frame(HEADERS, END_STREAM | END_HEADERS, stream, encode(stream, trailers));
    }
    out.flush();
    return read(stream);
  }

  private byte[] encode(int stream, List<Map.Entry<String, String>> fields) throws Http2Exception {
    Http2Headers headers = new DefaultHttp2Headers(false);
    for (Map.Entry<String, String> f : fields) {
      headers.add(f.getKey(), f.getValue());
    }
    ByteBuf block = Unpooled.buffer();
    encoder.encodeHeaders(stream, headers, block);
    byte[] bytes = new byte[block.readableBytes()];
    block.readBytes(bytes);
    block.release();
    return bytes;
  }

  /**
   * Sends one bodiless request with {@code fields} in this order (pseudo-headers first, as the caller
   * writes them) and reads until that stream ends, is reset, or the connection goes away.
   */
  public Response send(List<Map.Entry<String, String>> fields) throws IOException, Http2Exception {
    Http2Headers headers = new DefaultHttp2Headers(false);
    for (Map.Entry<String, String> f : fields) {
      headers.add(f.getKey(), f.getValue());
    }
    int stream = nextStream;
    nextStream += 2;
    ByteBuf block = Unpooled.buffer();
    encoder.encodeHeaders(stream, headers, block);
    byte[] bytes = new byte[block.readableBytes()];
    block.readBytes(bytes);
    block.release();
    frame(HEADERS, END_STREAM | END_HEADERS, stream, bytes);
    out.flush();
    return read(stream);
  }

  /** {@code GET path} with {@code :authority localhost} and {@code extra} fields after the pseudo-headers. */
  public Response get(String path, List<Map.Entry<String, String>> extra) throws IOException, Http2Exception {
    List<Map.Entry<String, String>> fields = new java.util.ArrayList<>(List.of(
        Map.entry(":method", "GET"), Map.entry(":scheme", "https"), Map.entry(":authority", "localhost"),
        Map.entry(":path", path)));
    fields.addAll(extra);
    return send(fields);
  }

  private Response read(int stream) throws IOException, Http2Exception {
    Http2Headers responseHeaders = null;
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      int first = in.read();
      if (first < 0) {
        return new Response(-1, new DefaultHttp2Headers(), "", -2);
      }
      int length = first << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int id = in.readInt() & 0x7fffffff;
      byte[] payload = new byte[length];
      in.readFully(payload);
      switch (type) {
        case SETTINGS -> {
          if ((flags & 0x1) == 0) {
            frame(SETTINGS, 0x1, 0, new byte[0]);
            out.flush();
          }
        }
        case PING -> {
          if ((flags & 0x1) == 0) {
            frame(PING, 0x1, 0, payload);
            out.flush();
          }
        }
        case GOAWAY -> {
          long code = (payload[4] & 0xffL) << 24 | (payload[5] & 0xff) << 16 | (payload[6] & 0xff) << 8 | payload[7] & 0xff;
          return new Response(-1, new DefaultHttp2Headers(), "", code);
        }
        case RST_STREAM -> {
          if (id == stream) {
            long code = (payload[0] & 0xffL) << 24 | (payload[1] & 0xff) << 16 | (payload[2] & 0xff) << 8 | payload[3] & 0xff;
            return new Response(-1, new DefaultHttp2Headers(), "", code);
          }
        }
        case HEADERS -> {
          if (id == stream) {
            if ((flags & END_HEADERS) == 0) {
              throw new IOException("HEADERS continued in CONTINUATION frames: not supported here");
            }
            int from = 0;
            int to = payload.length;
            if ((flags & PADDED) != 0) {
              to -= payload[0] & 0xff;
              from = 1;
            }
            if ((flags & PRIORITY) != 0) {
              from += 5;
            }
            ByteBuf block = Unpooled.wrappedBuffer(payload, from, to - from);
            Http2Headers h = decoder.decodeHeaders(id, block);
            boolean isHead = responseHeaders == null;
            if (isHead) {
              responseHeaders = h;
            }
            if ((flags & END_STREAM) != 0) {
              return isHead ? done(responseHeaders, body) : done(responseHeaders, body, h);
            }
          }
        }
        case DATA -> {
          if (id == stream) {
            int pad = (flags & PADDED) != 0 ? (payload[0] & 0xff) + 1 : 0;
            body.write(payload, pad == 0 ? 0 : 1, payload.length - pad);
            if ((flags & END_STREAM) != 0) {
              return done(responseHeaders, body);
            }
          }
        }
        default -> {
          // WINDOW_UPDATE and the like: nothing to do for bodiless requests.
        }
      }
    }
  }

  private static Response done(Http2Headers headers, ByteArrayOutputStream body) {
    return done(headers, body, new DefaultHttp2Headers());
  }

  private static Response done(Http2Headers headers, ByteArrayOutputStream body, Http2Headers trailers) {
    int status = Integer.parseInt(headers.status().toString());
    return new Response(status, headers, body.toString(StandardCharsets.UTF_8), -1, trailers);
  }

  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    int n = payload.length;
    out.write(new byte[] {(byte) (n >> 16), (byte) (n >> 8), (byte) n, (byte) type, (byte) flags,
        (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream});
    out.write(payload);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
