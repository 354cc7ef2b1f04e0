package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

  private static byte[] ip(String s) throws Exception {
    return InetAddress.getByName(s).getAddress();
  }

  @Test
  void blocksContainTheirAddressesOnly() throws Exception {
    Cidr ten = Cidr.parse("10.0.0.0/8").orElseThrow();
    assertThat(ten.contains(ip("10.255.1.2"))).isTrue();
    assertThat(ten.contains(ip("11.0.0.1"))).isFalse();
    assertThat(ten.contains(ip("::ffff:10.1.2.3"))).as("IPv4-mapped").isTrue();
    Cidr odd = Cidr.parse("192.168.0.0/23").orElseThrow();
    assertThat(odd.contains(ip("192.168.1.200"))).isTrue();
    assertThat(odd.contains(ip("192.168.2.1"))).isFalse();
    Cidr one = Cidr.parse("127.0.0.1").orElseThrow();
    assertThat(one.contains(ip("127.0.0.1"))).isTrue();
    assertThat(one.contains(ip("127.0.0.2"))).isFalse();
    Cidr v6 = Cidr.parse("2001:db8::/32").orElseThrow();
    assertThat(v6.contains(ip("2001:db8:1::5"))).isTrue();
    assertThat(v6.contains(ip("2001:db9::1"))).isFalse();
    assertThat(v6.contains(ip("10.0.0.1"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").orElseThrow().contains(ip("8.8.8.8"))).isTrue();
    assertThat(ten.toString()).isEqualTo("10.0.0.0/8");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10.0.0.0/33", "10.0.0.1/8", "10.0.0/8", "10.0.0.256", "localhost", "example.com/8",
      "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/a", "2001:db8::/129", "167772161", "::g"})
  void refused(String text) {
    assertThat(Cidr.parse(text)).as(text).isEmpty();
  }
}
