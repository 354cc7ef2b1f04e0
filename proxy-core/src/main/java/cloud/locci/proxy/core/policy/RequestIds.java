package cloud.locci.proxy.core.policy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The request id every request carries (SPEC §11): a client's {@code X-Request-Id} of 1-200 visible
 * ASCII characters is kept; anything else (absent, empty, too long, spaces, control or non-ASCII
 * characters) is replaced by a new random UUID. Runs on the event loop for every request, so it neither
 * locks nor blocks.
 */
public final class RequestIds {

  /** The header that carries the id, both ways. */
  public static final String HEADER = "X-Request-Id";

  /** Longest client id kept. */
  public static final int MAX_LENGTH = 200;

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private RequestIds() {}

  /** The id of a request whose client sent {@code offered} ({@code null} when none). */
  public static String of(String offered) {
    return acceptable(offered) ? offered : random();
  }

  /** Whether a client's id is kept: 1-200 characters, each visible ASCII (0x21-0x7e). */
  public static boolean acceptable(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /**
   * A random (version 4) UUID. From {@link ThreadLocalRandom}, not {@code UUID.randomUUID()}: that one
   * draws from one SecureRandom shared by every event loop under a lock, and a request id needs to be
   * unique, not secret.
   */
  public static String random() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = r.nextLong() & ~0xf000L | 0x4000L;
    long lo = r.nextLong() & 0x3fffffffffffffffL | 0x8000000000000000L;
    // Bytes, not chars: a String of ASCII bytes copies them once, a char[] was compressed into a new array.
    byte[] out = new byte[36];
    int p = 0;
    p = hex(out, p, hi >>> 32, 8);
    out[p++] = (byte) '-';
    p = hex(out, p, hi >>> 16, 4);
    out[p++] = (byte) '-';
    p = hex(out, p, hi, 4);
    out[p++] = (byte) '-';
    p = hex(out, p, lo >>> 48, 4);
    out[p++] = (byte) '-';
    hex(out, p, lo, 12);
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  private static int hex(byte[] out, int at, long value, int digits) {
    for (int i = digits - 1; i >= 0; i--) {
      out[at + i] = HEX[(int) (value & 0xf)];
      value >>>= 4;
    }
    return at + digits;
  }
}
