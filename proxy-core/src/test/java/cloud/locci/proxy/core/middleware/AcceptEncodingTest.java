package cloud.locci.proxy.core.middleware;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AcceptEncodingTest {

  private static boolean accepts(String... values) {
    return AcceptEncoding.acceptsGzip(List.of(values));
  }

  @Test
  void gzipListedWithAPositiveQualityIsAccepted() {
    assertThat(accepts("gzip")).isTrue();
    assertThat(accepts("gzip, deflate, br")).isTrue();
    assertThat(accepts("br;q=1.0, GZIP;q=0.5")).isTrue();
    assertThat(accepts("x-gzip")).isTrue();
    assertThat(accepts("deflate", "gzip;q=0.001")).isTrue();
    assertThat(accepts(" gzip ; q=1 ")).isTrue();
  }

  @Test
  void qualityZeroOrAbsenceRefuses() {
    assertThat(accepts()).isFalse();
    assertThat(accepts("")).isFalse();
    assertThat(accepts("br, deflate")).isFalse();
    assertThat(accepts("gzip;q=0")).isFalse();
    assertThat(accepts("gzip;q=0.000")).isFalse();
    assertThat(accepts("identity")).isFalse();
    assertThat(accepts("gzip;q=0, *")).as("an explicit refusal wins over the wildcard").isFalse();
  }

  @Test
  void theWildcardCoversGzipWhenItIsNotListed() {
    assertThat(accepts("*")).isTrue();
    assertThat(accepts("br, *;q=0.1")).isTrue();
    assertThat(accepts("*;q=0")).isFalse();
  }

  @Test
  void unreadableQualitiesCountAsAbsent() {
    assertThat(accepts("gzip;q=2")).isFalse();
    assertThat(accepts("gzip;q=1.5")).isFalse();
    assertThat(accepts("gzip;q=0.5x")).isFalse();
    assertThat(accepts("gzip;q=")).isFalse();
    assertThat(accepts("gzip;q=abc, *")).isTrue();
    assertThat(accepts(",,gzip,,")).isTrue();
  }
}
