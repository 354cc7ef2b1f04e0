package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * SPEC §15: rate limiting (and the control API's key-check throttle) keys IPv6 clients by their /64,
 * IPv4 (also IPv4-mapped IPv6) by address.
 */
class ClientAddressesTest {

  @Test
  void ipv6AddressesOfOneSlash64ShareAKey() {
    String a = ClientAddresses.perClientKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
    String b = ClientAddresses.perClientKey("2001:db8:1:2::1");
    String c = ClientAddresses.perClientKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff");
    assertThat(a).isEqualTo(b).isEqualTo(c).isEqualTo("2001:db8:1:2::/64");
    assertThat(ClientAddresses.perClientKey("2001:db8:1:3::1")).as("the next /64").isNotEqualTo(a);
    assertThat(ClientAddresses.perClientKey("::1")).isEqualTo("0:0:0:0::/64");
  }

  @Test
  void ipv4AndMappedIpv4AreKeyedByAddress() {
    assertThat(ClientAddresses.perClientKey("203.0.113.9")).isEqualTo("203.0.113.9");
    assertThat(ClientAddresses.perClientKey("203.0.113.10")).isNotEqualTo("203.0.113.9");
    assertThat(ClientAddresses.perClientKey("::ffff:203.0.113.9")).isEqualTo("203.0.113.9");
  }
}
