package cloud.locci.proxy.core.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogEscapeTest {

  @Test
  void escapesAsNginxDoes() {
    assertThat(LogEscape.escape("curl/8.5.0 (x; y)")).isEqualTo("curl/8.5.0 (x; y)");
    assertThat(LogEscape.escape("a\\\" 200 0 \"-")).isEqualTo("a\\x5C\\x22 200 0 \\x22-");
    assertThat(LogEscape.escape("a\r\nb\u0000\u001b\u007f\t")).isEqualTo("a\\x0D\\x0Ab\\x00\\x1B\\x7F\\x09");
    assertThat(LogEscape.escape("caf\u00e9")).as("a byte over 0x7E").isEqualTo("caf\\xE9");
    assertThat(LogEscape.escape("\u20ac")).as("UTF-8 bytes of a wider char").isEqualTo("\\xE2\\x82\\xAC");
  }
}
