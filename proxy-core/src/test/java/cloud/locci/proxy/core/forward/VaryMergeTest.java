package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

class VaryMergeTest {

  @Test
  void overlayMergesVaryAndReplacesOtherHeaders() {
    MultiMap upstream = MultiMap.caseInsensitiveMultiMap()
        .add("Vary", "Accept-Encoding")
        .add("Access-Control-Allow-Origin", "https://upstream.example");
    MultiMap proxy = MultiMap.caseInsensitiveMultiMap()
        .add("vary", "Origin")
        .add("Access-Control-Allow-Origin", "https://app.example");

    HeaderRules.overlay(upstream, proxy);

    assertThat(upstream.getAll("Vary")).containsExactly("Accept-Encoding, Origin");
    assertThat(upstream.getAll("Access-Control-Allow-Origin")).containsExactly("https://app.example");
  }

  @Test
  void namesAlreadyListedOrAStarAreNotAddedAgain() {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Vary", "origin, Accept");
    HeaderRules.addVary(h, "Origin, Access-Control-Request-Method");
    assertThat(h.getAll("Vary")).containsExactly("origin, Accept, Access-Control-Request-Method");

    MultiMap star = MultiMap.caseInsensitiveMultiMap().add("Vary", "*");
    HeaderRules.addVary(star, "Origin");
    assertThat(star.getAll("Vary")).containsExactly("*");

    MultiMap empty = MultiMap.caseInsensitiveMultiMap();
    HeaderRules.addVary(empty, "Origin");
    assertThat(empty.getAll("Vary")).containsExactly("Origin");
  }
}
