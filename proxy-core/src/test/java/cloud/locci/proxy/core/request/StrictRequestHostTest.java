package cloud.locci.proxy.core.request;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrictRequestHostTest {

  @ParameterizedTest
  @ValueSource(strings = {"example.com", "EXAMPLE.com.", "a:80", "a:", "127.0.0.1:8080", "[::1]", "[::1]:443",
      "xn--bcher-kva.example", "a_b.example", "a%20b"})
  void wellFormed(String host) {
    assertThat(StrictRequest.isAuthority(host)).as(host).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "user@a", "a/b", "a:99999", "a:123456", "a:x", "[::1", "[zz]", "::1", "a?b",
      "a#b", "[::1]x", ":80"})
  void malformed(String host) {
    assertThat(StrictRequest.isAuthority(host)).as(host).isFalse();
  }
}
