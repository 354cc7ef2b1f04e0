package cloud.locci.proxy.examples.grpc;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of the gRPC wire format for the demo, written by hand so the demo needs nothing but
 * Vert.x: length-prefixed messages (gRPC over HTTP/2: a compressed flag byte, a 4-byte big-endian
 * length, the message) carrying the protobuf encoding of {@code helloworld.HelloRequest} and
 * {@code HelloReply} (one string field, number 1), so real gRPC clients and servers built from the
 * usual {@code helloworld.proto} talk to it.
 */
public final class GrpcWire {

  /** The largest message accepted, as gRPC's own default receive limit. */
  public static final int MAX_MESSAGE = 4 * 1024 * 1024;

  private GrpcWire() {}

  /** One length-prefixed, uncompressed message. */
  public static Buffer frame(byte[] message) {
    return Buffer.buffer(5 + message.length).appendByte((byte) 0).appendInt(message.length).appendBytes(message);
  }

  /**
   * The one message of a unary call's body.
   *
   * @throws IllegalArgumentException when the body is not exactly one uncompressed message of at most
   *     {@link #MAX_MESSAGE} bytes
   */
  public static byte[] single(Buffer body) {
    if (body.length() < 5) {
      throw new IllegalArgumentException("expected one length-prefixed message, got " + body.length() + " bytes");
    }
    if (body.getByte(0) != 0) {
      throw new IllegalArgumentException("compressed messages are not supported");
    }
    long length = body.getUnsignedInt(1);
    if (length > MAX_MESSAGE) {
      throw new IllegalArgumentException("message of " + length + " bytes is over " + MAX_MESSAGE);
    }
    if (body.length() != 5 + length) {
      throw new IllegalArgumentException("expected exactly one message of " + length + " bytes");
    }
    return body.getBytes(5, 5 + (int) length);
  }

  /** Protobuf encoding of a message whose only field is string field 1 ({@code name} or {@code message}). */
  public static byte[] stringField1(String value) {
    byte[] text = value.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length + 6);
    out.write(0x0a); // field 1, wire type 2 (length-delimited)
    writeVarint(out, text.length);
    out.write(text, 0, text.length);
    return out.toByteArray();
  }

  /**
   * String field 1 of a protobuf message ({@code ""} when absent, as proto3 defaults); other fields are
   * skipped.
   *
   * @throws IllegalArgumentException when the bytes are not a valid protobuf message
   */
  public static String readStringField1(byte[] message) {
    String found = "";
    int[] pos = {0};
    while (pos[0] < message.length) {
      long tag = readVarint(message, pos);
      int field = (int) (tag >>> 3);
      int wireType = (int) (tag & 7);
      switch (wireType) {
        case 0 -> readVarint(message, pos);
        case 1 -> skip(message, pos, 8);
        case 5 -> skip(message, pos, 4);
        case 2 -> {
          long length = readVarint(message, pos);
          if (length > message.length - pos[0]) {
            throw new IllegalArgumentException("field " + field + " runs past the message");
          }
          if (field == 1) {
            found = new String(message, pos[0], (int) length, StandardCharsets.UTF_8);
          }
          pos[0] += (int) length;
        }
        default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wireType);
      }
    }
    return found;
  }

  /** A {@code grpc-message} value as text (it is percent-encoded UTF-8 on the wire). */
  public static String decodeMessage(String value) {
    if (value == null) {
      return "";
    }
    try {
      return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return value; // not valid percent-encoding: shown as it came, as gRPC's own clients do
    }
  }

  /** {@code grpc-message} encoding: bytes outside printable ASCII, and {@code %}, as {@code %XX}. */
  public static String encodeMessage(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(String.format("%02X", c));
      }
    }
    return out.toString();
  }

  private static void writeVarint(ByteArrayOutputStream out, int value) {
    while ((value & ~0x7f) != 0) {
      out.write((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  private static long readVarint(byte[] bytes, int[] pos) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= bytes.length) {
        throw new IllegalArgumentException("truncated varint");
      }
      byte b = bytes[pos[0]++];
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("varint longer than 10 bytes");
  }

  private static void skip(byte[] bytes, int[] pos, int n) {
    if (bytes.length - pos[0] < n) {
      throw new IllegalArgumentException("truncated field");
    }
    pos[0] += n;
  }
}
