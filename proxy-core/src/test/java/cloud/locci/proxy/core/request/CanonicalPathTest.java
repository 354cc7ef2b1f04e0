package cloud.locci.proxy.core.request;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalPathTest {

  @ParameterizedTest
  @CsvSource({
      "/, /",
      "'', /",
      "/a/b, /a/b",
      "/%61dmin/x, /admin/x",
      "/%41%5a%7E%2d%5F%2E1, /AZ~-_.1",
      "//admin/x, /admin/x",
      "///a////b//, /a/b/",
      "/a%3ab, /a%3Ab",
      "/%c3%a9, /%C3%A9",
      "/50%25, /50%25",
      "/a%20b, /a%20b",
      "/file.txt, /file.txt",
      "/.well-known/x, /.well-known/x",
      "/a/..., /a/...",
      "/v1.0/x, /v1.0/x",
      "/a/..b, /a/..b",
      "/%2efoo, /.foo"})
  void canonicalForms(String raw, String canonical) {
    CanonicalPath.Result r = CanonicalPath.of(raw, false);
    assertThat(r.problem()).as(raw).isNull();
    assertThat(r.path()).isEqualTo(canonical);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a/b", "/", "/x%3Ay", "/a.b/c"})
  void anAlreadyCanonicalPathIsReturnedAsItIs(String raw) {
    assertThat(CanonicalPath.of(raw, false).path()).isSameAs(raw);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/public/../admin", "/a/./b", "/..", "/.", "/a/..", "/%2e%2e/admin", "/a/%2E/b",
      "/a/.%2e/b", "/a/%2e./b", "/../", "//..//admin", "/a/%2E%2E", "/a%2Fb", "/a%2fb", "/a%5Cb", "/a%00b",
      "/a\\b", "/%", "/%2", "/%zz", "/%2g", "a/b", "*x"})
  void refused(String raw) {
    CanonicalPath.Result r = CanonicalPath.of(raw, false);
    assertThat(r.problem()).as(raw).isNotNull();
    assertThat(r.path()).isNull();
  }

  @ParameterizedTest
  @CsvSource({"/a%2fb, /a%2Fb", "/a%5cb//c, /a%5Cb/c", "/%61%00, /a%00", "/a\\b, /a\\b"})
  void allowedEncodedSlashesStayEncoded(String raw, String canonical) {
    assertThat(CanonicalPath.of(raw, true).path()).isEqualTo(canonical);
    assertThat(CanonicalPath.of("/x/%2e%2e/y", true).problem()).isNotNull();
  }
}
