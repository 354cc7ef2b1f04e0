package cloud.locci.proxy.core.explain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code explain --control} rebuilds the explanation the control API sent; nothing may be lost on the way. */
class ExplanationJsonTest {

  @Test
  void aServedRequestSurvivesTheRoundTrip() {
    Explanation served = new Explanation("api_gateway", 0, "",
        List.of(new Explanation.Candidate("api", "^/api", "", List.of("GET", "HEAD"), "matched", ""),
            new Explanation.Candidate("web", "^/", "example.com", List.of(), "not_tried", "")),
        Optional.of("api"),
        Optional.of(new Explanation.Target("app", "round_robin", List.of("127.0.0.1:3000"), "/api/x", 30, 2,
            List.of("rate_limit"))),
        List.of());
    assertThat(ExplanationJson.fromJson(ExplanationJson.toJson(served))).isEqualTo(served);
  }

  @Test
  void aRefusedRequestSurvivesTheRoundTrip() {
    Explanation refused = new Explanation("api_gateway", 405, "method_not_allowed",
        List.of(new Explanation.Candidate("api", "^/api", "", List.of("GET"), "method_not_allowed", "POST not in GET")),
        Optional.empty(), Optional.empty(), List.of("GET", "HEAD"));
    assertThat(ExplanationJson.fromJson(ExplanationJson.toJson(refused))).isEqualTo(refused);
  }
}
