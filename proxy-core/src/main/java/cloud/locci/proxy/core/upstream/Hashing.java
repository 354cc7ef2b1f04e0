package cloud.locci.proxy.core.upstream;

/**
 * A fast, non-cryptographic 64-bit hash for consistent hashing: FNV-1a over the UTF-16 units of a text,
 * then MurmurHash3's 64-bit finalizer so that every input bit reaches every output bit (FNV alone
 * leaves the high bits of short keys poorly mixed, and the ring orders points by their high bits).
 * Deterministic across processes and JVMs, so two proxies with the same servers map keys alike.
 */
final class Hashing {

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Hashing() {}

  /** Hashes {@code text} without allocating. */
  static long hash64(CharSequence text) {
    long h = FNV_OFFSET;
    for (int i = 0, n = text.length(); i < n; i++) {
      h ^= text.charAt(i);
      h *= FNV_PRIME;
    }
    return mix64(h);
  }

  /** MurmurHash3's fmix64: a bijection of 64-bit values with full avalanche. */
  static long mix64(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
