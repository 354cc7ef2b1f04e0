package cloud.locci.proxy.core.forward;

import static cloud.locci.proxy.core.forward.RetryPolicy.Action.FRESH_CONNECTION;
import static cloud.locci.proxy.core.forward.RetryPolicy.Action.GIVE_UP;
import static cloud.locci.proxy.core.forward.RetryPolicy.Action.NEXT_SERVER;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The whole decision table of {@link RetryPolicy}: what follows a failed attempt. */
class RetryPolicyTest {

  @ParameterizedTest(name = "{0} {1} reused={2} {3} replayable={4} retriesUsed={5}/{6} freshUsed={7} -> {8}")
  @CsvSource({
      // phase,     side,     reused, method, replayable, retriesUsed, retries, freshUsed, action
      // Connect failures fail over for any method, whatever retries says.
      "CONNECT,     UPSTREAM, false,  POST,   true,       0, 0, false, NEXT_SERVER",
      "CONNECT,     UPSTREAM, false,  PATCH,  false,      0, 0, false, NEXT_SERVER",
      "CONNECT,     UPSTREAM, false,  GET,    true,       3, 3, true,  NEXT_SERVER",
      // A reused connection that fails before any response byte: once more on a fresh one.
      "SEND,        UPSTREAM, true,   GET,    true,       0, 0, false, FRESH_CONNECTION",
      "AWAIT_HEAD,  UPSTREAM, true,   POST,   true,       0, 0, false, FRESH_CONNECTION",
      "AWAIT_HEAD,  UPSTREAM, true,   GET,    true,       0, 0, true,  GIVE_UP",
      "AWAIT_HEAD,  UPSTREAM, true,   POST,   false,      0, 2, false, GIVE_UP",
      // After the request was sent: retries, idempotent methods whose body is still unread only.
      "AWAIT_HEAD,  UPSTREAM, false,  GET,    true,       0, 1, false, NEXT_SERVER",
      "AWAIT_HEAD,  UPSTREAM, false,  GET,    true,       1, 1, false, GIVE_UP",
      "AWAIT_HEAD,  UPSTREAM, false,  POST,   true,       0, 3, false, GIVE_UP",
      "SEND,        UPSTREAM, false,  PUT,    false,      0, 3, false, GIVE_UP",
      "AWAIT_HEAD,  UPSTREAM, false,  GET,    true,       0, 0, false, GIVE_UP",
      // Once the response started, or when the client or the proxy failed: never again.
      "STREAM,      UPSTREAM, false,  GET,    true,       0, 3, false, GIVE_UP",
      "TUNNEL,      UPSTREAM, true,   GET,    true,       0, 3, false, GIVE_UP",
      "CONNECT,     CLIENT,   false,  GET,    true,       0, 3, false, GIVE_UP",
      "AWAIT_HEAD,  CLIENT,   true,   GET,    true,       0, 3, false, GIVE_UP",
      "SEND,        PROXY,    true,   GET,    true,       0, 3, false, GIVE_UP",
      "CONNECT,     PROXY,    false,  GET,    true,       0, 3, false, GIVE_UP",
  })
  void decides(Phase phase, Side side, boolean reused, String method, boolean replayable, int retriesUsed,
      int retries, boolean freshUsed, RetryPolicy.Action expected) {
    assertThat(RetryPolicy.decide(phase, side, reused, HttpMethod.valueOf(method), replayable,
        new RetryPolicy.Tried(retriesUsed, retries, freshUsed))).isEqualTo(expected);
  }
}
