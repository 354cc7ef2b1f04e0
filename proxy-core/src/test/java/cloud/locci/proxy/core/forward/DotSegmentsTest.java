package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DotSegmentsTest {

  @ParameterizedTest
  @ValueSource(strings = {"/public/../admin", "/a/./b", "/..", "/.", "/a/..", "/%2e%2e/admin", "/a/%2E/b",
      "/a/.%2e/b", "/a/%2e./b", "/../"})
  void dotSegmentsAreFound(String path) {
    assertThat(DotSegments.in(path)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/a/b", "/file.txt", "/.well-known/x", "/a/...", "/v1.0/x", "/a/..b", "/%2efoo",
      "/a%2Fb", "/50%25", "/%2"})
  void ordinaryPathsPass(String path) {
    assertThat(DotSegments.in(path)).isFalse();
  }
}
