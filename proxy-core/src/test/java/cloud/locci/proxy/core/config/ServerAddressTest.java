package cloud.locci.proxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code host:port} parsing: the one address syntax of servers, bind addresses and the CLI. */
class ServerAddressTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      10.0.0.1:3000       | 10.0.0.1       | 3000
      api.internal:8080   | api.internal   | 8080
      localhost:1         | localhost      | 1
      host:65535          | host           | 65535
      127.0.0.1:0         | 127.0.0.1      | 0
      '  spaced:80  '     | spaced         | 80
      [::1]:8080          | ::1            | 8080
      [2001:db8::1]:443   | 2001:db8::1    | 443
      [fe80::1%eth0]:80   | fe80::1%eth0   | 80
      """)
  void valid(String text, String host, int port) {
    ServerAddress a = ServerAddress.parse(text);

    assertThat(a).isEqualTo(new ServerAddress(host, port));
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.1:3000", "api.internal:8080", "[::1]:8080", "[2001:db8::1]:443"})
  void toStringIsTheTextParseAccepts(String text) {
    assertThat(ServerAddress.parse(text).toString()).isEqualTo(text);
    assertThat(ServerAddress.parse(ServerAddress.parse(text).toString())).isEqualTo(ServerAddress.parse(text));
  }

  @Test
  void ipv6HostIsPrintedInBrackets() {
    assertThat(new ServerAddress("::1", 80)).hasToString("[::1]:80");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      http://10.0.0.1:3000       | "http://10.0.0.1:3000" has a scheme; write host:port without "http://", e.g. "10.0.0.1:3000"
      https://api.internal:443   | has a scheme; write host:port without "https://", e.g. "api.internal:443"
      10.0.0.1                   | "10.0.0.1" has no port; expected host:port, e.g. "10.0.0.1:8080"
      [::1]                      | "[::1]" has no port; expected [ipv6]:port
      [::1]8080                  | has no port; expected [ipv6]:port
      ::1:8080                   | write IPv6 addresses as [address]:port
      :8080                      | ":8080" has no host
      []:8080                    | has no host
      host:                      | port "" is not a number
      host:http                  | port "http" is not a number
      host:65536                 | port 65536 is outside 0-65535
      host:-1                    | port -1 is outside 0-65535
      10.0.0.1:3000/api          | "10.0.0.1:3000/api" contains a path; expected host:port
      10.0.0.1/api:3000          | contains a path
      """)
  void invalid(String text, String message) {
    assertThatThrownBy(() -> ServerAddress.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void emptyOrBlank() {
    assertThatThrownBy(() -> ServerAddress.parse("")).hasMessage("empty address; expected host:port");
    assertThatThrownBy(() -> ServerAddress.parse("   ")).hasMessage("empty address; expected host:port");
    assertThatThrownBy(() -> ServerAddress.parse(null)).hasMessage("empty address; expected host:port");
  }

  @Test
  void constructorChecksToo() {
    assertThatThrownBy(() -> new ServerAddress("", 80)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ServerAddress("h", -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ServerAddress("h", 65536)).isInstanceOf(IllegalArgumentException.class);
    assertThat(new ServerAddress("h", 0).port()).as("port 0: an ephemeral listener").isZero();
    assertThatThrownBy(() -> new ServerAddress(null, 80)).isInstanceOf(NullPointerException.class);
  }
}
