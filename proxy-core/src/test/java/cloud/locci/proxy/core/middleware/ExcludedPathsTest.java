package cloud.locci.proxy.core.middleware;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExcludedPathsTest {

  private final ExcludedPaths paths = new ExcludedPaths(List.of("/health", "/auth/open/*"));

  @Test
  void exactEntriesMatchOnlyThemselves() {
    assertThat(paths.matches("/health")).isTrue();
    assertThat(paths.matches("/health/")).isFalse();
    assertThat(paths.matches("/healthz")).isFalse();
    assertThat(paths.matches("/health/x")).isFalse();
  }

  @Test
  void slashStarMatchesTheDirectoryAndEverythingUnderItButNotItsSiblings() {
    assertThat(paths.matches("/auth/open")).isTrue();
    assertThat(paths.matches("/auth/open/")).isTrue();
    assertThat(paths.matches("/auth/open/a/b.json")).isTrue();
    assertThat(paths.matches("/auth/openX")).isFalse();
    assertThat(paths.matches("/auth/opener/x")).isFalse();
    assertThat(paths.matches("/auth")).isFalse();
  }

  @Test
  void rootStarMatchesEveryPlainPath() {
    ExcludedPaths all = new ExcludedPaths(List.of("/*"));
    assertThat(all.matches("/")).isTrue();
    assertThat(all.matches("/anything/at/all")).isTrue();
    assertThat(all.matches("/a/../b")).isFalse();
  }

  @Test
  void noEntriesMatchNothing() {
    assertThat(new ExcludedPaths(List.of()).matches("/health")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/auth/open/../secret", "/auth/open/..", "/auth/open/./x", "/auth/open/%2e%2e/secret",
      "/auth/open/%2E%2e/secret", "/auth/open/..%2fsecret", "/auth/open/..%2Fsecret", "/auth/open/..%5csecret",
      "/auth/open/..\\secret", "/auth/open/..;/secret", "/auth/open;x", "/auth/open//x", "/auth/open/#/../x",
      "auth/open/x", "", "*"})
  void pathsAnUpstreamCouldReadAsAnotherPathAreNeverExcluded(String path) {
    assertThat(paths.matches(path)).isFalse();
    assertThat(ExcludedPaths.isPlain(path)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/a", "/a/", "/a/.hidden", "/a/..b", "/a/b..", "/a%20b", "/a%2", "/a%"})
  void ordinaryPathsArePlain(String path) {
    assertThat(ExcludedPaths.isPlain(path)).isTrue();
  }
}
