package cloud.locci.proxy.core.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The certificate store's retry schedule and the one-line errors it reports in the status. */
class RetryAndMessageTest {

  @Test
  void backoffDoublesFromTenSecondsUpToAnHour() {
    assertThat(AcmeVerticle.backoff(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(AcmeVerticle.backoff(2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(AcmeVerticle.backoff(5)).isEqualTo(Duration.ofSeconds(160));
    assertThat(AcmeVerticle.backoff(10)).isEqualTo(Duration.ofHours(1));
    assertThat(AcmeVerticle.backoff(1000)).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void theMessageNamesEveryCauseOnce() {
    Exception e = new IOException("Network error", new ConnectException());
    assertThat(AcmeVerticle.message(e)).isEqualTo("Network error: ConnectException");
    Exception same = new IllegalStateException("boom: refused", new IOException("refused"));
    assertThat(AcmeVerticle.message(same)).isEqualTo("boom: refused");
    assertThat(AcmeVerticle.message(new RuntimeException("x".repeat(900)))).hasSize(503).endsWith("...");
  }
}
