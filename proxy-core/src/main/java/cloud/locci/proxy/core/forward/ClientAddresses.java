package cloud.locci.proxy.core.forward;

import io.netty.util.NetUtil;

/** How a client's address is counted when something is limited per client (rate limits, key checks). */
public final class ClientAddresses {

  private ClientAddresses() {}

  /**
   * The key of {@code address} (as {@code SocketAddress.hostAddress()} gives it): IPv4 as is (also when
   * written IPv4-mapped, {@code ::ffff:a.b.c.d}), IPv6 as its /64 prefix. One IPv6 host usually holds a
   * whole /64 (SLAAC, privacy addresses), so keying by full address would give it 2^64 keys.
   */
  public static String perClientKey(String address) {
    if (address == null || address.indexOf(':') < 0) {
      return address == null ? "" : address;
    }
    byte[] b = NetUtil.createByteArrayFromIpAddressString(address);
    if (b == null || b.length != 16) {
      return address;
    }
    if (isV4Mapped(b)) {
      return (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
    }
    StringBuilder sb = new StringBuilder(24);
    for (int i = 0; i < 8; i += 2) {
      sb.append(Integer.toHexString((b[i] & 0xff) << 8 | b[i + 1] & 0xff)).append(':');
    }
    return sb.append(":/64").toString();
  }

  private static boolean isV4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
  }
}
