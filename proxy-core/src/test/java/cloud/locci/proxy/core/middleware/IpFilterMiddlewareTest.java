package cloud.locci.proxy.core.middleware;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.Cidr;
import cloud.locci.proxy.core.config.MiddlewareConfig;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The address rules of ip_filter, apart from sockets (those are in the modes' tests). */
class IpFilterMiddlewareTest {

  private static List<Cidr> blocks(String... s) {
    return Stream.of(s).map(t -> Cidr.parse(t).orElseThrow()).toList();
  }

  private static IpFilterMiddleware filter(List<Cidr> allow, List<Cidr> deny) {
    return new IpFilterMiddleware(new MiddlewareConfig.IpFilter("f", allow, deny, List.of()));
  }

  @Test
  void denyWinsAndAnAllowListRefusesTheRest() {
    IpFilterMiddleware f = filter(blocks("10.0.0.0/8", "2001:db8::/32"), blocks("10.9.0.0/16", "2001:db8:bad::/48"));
    assertThat(f.admits(IpFilterMiddleware.parse("10.1.2.3"))).isTrue();
    assertThat(f.admits(IpFilterMiddleware.parse("10.9.2.3"))).isFalse();
    assertThat(f.admits(IpFilterMiddleware.parse("192.0.2.1"))).isFalse();
    assertThat(f.admits(IpFilterMiddleware.parse("2001:db8::1"))).isTrue();
    assertThat(f.admits(IpFilterMiddleware.parse("2001:db8:bad::1"))).isFalse();
    assertThat(f.admits(IpFilterMiddleware.parse("::ffff:10.1.2.3"))).as("IPv4-mapped counts as IPv4").isTrue();

    IpFilterMiddleware denyOnly = filter(List.of(), blocks("192.0.2.0/24"));
    assertThat(denyOnly.admits(IpFilterMiddleware.parse("192.0.2.200"))).isFalse();
    assertThat(denyOnly.admits(IpFilterMiddleware.parse("198.51.100.1"))).isTrue();
    assertThat(denyOnly.admits(IpFilterMiddleware.parse("::1"))).isTrue();
  }

  @Test
  void forwardedForEntriesParseWithPortsAndBracketsButNeverAsNames() {
    assertThat(IpFilterMiddleware.parse("10.0.0.1:5000")).containsExactly(10, 0, 0, 1);
    assertThat(IpFilterMiddleware.parse("[2001:db8::1]:443")).hasSize(16);
    assertThat(IpFilterMiddleware.parse("2001:db8::1")).hasSize(16);
    assertThat(IpFilterMiddleware.parse("fe80::1%eth0")).hasSize(16);
    assertThat(IpFilterMiddleware.parse("localhost")).isNull();
    assertThat(IpFilterMiddleware.parse("unknown")).isNull();
    assertThat(IpFilterMiddleware.parse("10.1")).isNull();
    assertThat(IpFilterMiddleware.parse("")).isNull();
    assertThat(IpFilterMiddleware.parse("[::1")).isNull();
  }
}
