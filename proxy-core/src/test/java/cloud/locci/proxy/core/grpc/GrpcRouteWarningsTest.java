package cloud.locci.proxy.core.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GrpcRouteWarningsTest {

  @Test
  void patternsThatStartLikeAGrpcServicePathAreRecognised() {
    assertThat(GrpcRouteWarnings.looksLikeGrpc("^/helloworld.Greeter/")).isTrue();
    assertThat(GrpcRouteWarnings.looksLikeGrpc("^/helloworld\\.Greeter/SayHello$")).isTrue();
    assertThat(GrpcRouteWarnings.looksLikeGrpc("/grpc.health.v1.Health/Check")).isTrue();
    assertThat(GrpcRouteWarnings.looksLikeGrpc("^/locci.test.Echo$")).isTrue();
    assertThat(GrpcRouteWarnings.looksLikeGrpc("^/api/users")).isFalse();
    assertThat(GrpcRouteWarnings.looksLikeGrpc("^/")).isFalse();
    assertThat(GrpcRouteWarnings.looksLikeGrpc("^/v1.0/")).isFalse();
    assertThat(GrpcRouteWarnings.looksLikeGrpc("^/static/app.js")).isFalse();
    assertThat(GrpcRouteWarnings.looksLikeGrpc("^/files/.*")).isFalse();
  }
}
