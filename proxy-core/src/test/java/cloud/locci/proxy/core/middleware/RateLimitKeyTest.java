package cloud.locci.proxy.core.middleware;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** SPEC §15: rate limiting keys IPv6 clients by their /64, IPv4 (also IPv4-mapped IPv6) by address. */
class RateLimitKeyTest {

  @Test
  void ipv6AddressesOfOneSlash64ShareAKey() {
    String a = RateLimitMiddleware.clientKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
    String b = RateLimitMiddleware.clientKey("2001:db8:1:2::1");
    String c = RateLimitMiddleware.clientKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff");
    assertThat(a).isEqualTo(b).isEqualTo(c).isEqualTo("2001:db8:1:2::/64");
    assertThat(RateLimitMiddleware.clientKey("2001:db8:1:3::1")).as("the next /64").isNotEqualTo(a);
    assertThat(RateLimitMiddleware.clientKey("::1")).isEqualTo("0:0:0:0::/64");
  }

  @Test
  void ipv4AndMappedIpv4AreKeyedByAddress() {
    assertThat(RateLimitMiddleware.clientKey("203.0.113.9")).isEqualTo("203.0.113.9");
    assertThat(RateLimitMiddleware.clientKey("203.0.113.10")).isNotEqualTo("203.0.113.9");
    assertThat(RateLimitMiddleware.clientKey("::ffff:203.0.113.9")).isEqualTo("203.0.113.9");
  }
}
