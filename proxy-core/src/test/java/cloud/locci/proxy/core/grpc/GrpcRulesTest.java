package cloud.locci.proxy.core.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.forward.HeaderRules;
import cloud.locci.proxy.core.forward.Reason;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** The pure rules of SPEC §12: status mapping, grpc-message encoding, grpc-timeout parsing, TE. */
class GrpcRulesTest {

  @Test
  void proxyMadeErrorsMapToTheSpecGrpcCodes() {
    assertThat(GrpcErrors.code(Reason.UPSTREAM_REFUSED)).isEqualTo(14);
    assertThat(GrpcErrors.code(Reason.UPSTREAM_RESET)).isEqualTo(14);
    assertThat(GrpcErrors.code(Reason.UPSTREAM_TLS)).isEqualTo(14);
    assertThat(GrpcErrors.code(Reason.NO_HEALTHY_UPSTREAM)).isEqualTo(14);
    assertThat(GrpcErrors.code(Reason.UPSTREAM_TIMEOUT)).isEqualTo(4);
    assertThat(GrpcErrors.code(Reason.RATE_LIMITED)).isEqualTo(8);
    assertThat(GrpcErrors.code(Reason.UNAUTHORIZED)).isEqualTo(16);
    assertThat(GrpcErrors.code(Reason.IP_DENIED)).isEqualTo(7);
    assertThat(GrpcErrors.code(Reason.ROUTE_NOT_FOUND)).isEqualTo(12);
    assertThat(GrpcErrors.code(Reason.METHOD_NOT_ALLOWED)).isEqualTo(12);
    // Not fixed by SPEC: documented in GrpcErrors and README.
    assertThat(GrpcErrors.code(Reason.BODY_TOO_LARGE)).isEqualTo(8);
    assertThat(GrpcErrors.code(Reason.BAD_REQUEST)).isEqualTo(13);
    assertThat(GrpcErrors.code(Reason.INTERNAL_ERROR)).isEqualTo(13);
    assertThat(GrpcErrors.code(Reason.CLIENT_TIMEOUT)).isEqualTo(2);
  }

  @Test
  void grpcContentTypesAreRecognisedAndLookalikesAreNot() {
    assertThat(GrpcErrors.isGrpcContentType("application/grpc")).isTrue();
    assertThat(GrpcErrors.isGrpcContentType("application/grpc+proto")).isTrue();
    assertThat(GrpcErrors.isGrpcContentType("Application/GRPC+json")).isTrue();
    assertThat(GrpcErrors.isGrpcContentType("application/grpc-web-text")).isTrue();
    assertThat(GrpcErrors.isGrpcContentType("application/grpc; charset=utf-8")).isTrue();
    assertThat(GrpcErrors.isGrpcContentType("application/grpcx")).isFalse();
    assertThat(GrpcErrors.isGrpcContentType("application/json")).isFalse();
    assertThat(GrpcErrors.isGrpcContentType("application/gr")).isFalse();
    assertThat(GrpcErrors.isGrpcContentType(null)).isFalse();
  }

  @Test
  void grpcMessageIsPercentEncodedAsTheWireSpecSays() {
    assertThat(GrpcErrors.percentEncode("no route matches this request")).isEqualTo("no route matches this request");
    assertThat(GrpcErrors.percentEncode("100% é\r\n")).isEqualTo("100%25 %C3%A9%0D%0A");
    assertThat(GrpcErrors.percentEncode(null)).isEmpty();
  }

  @Test
  void grpcTimeoutValuesParseInEveryUnitAndMalformedOnesAreIgnored() {
    assertThat(GrpcDeadline.parseMillis("2H")).isEqualTo(7_200_000);
    assertThat(GrpcDeadline.parseMillis("3M")).isEqualTo(180_000);
    assertThat(GrpcDeadline.parseMillis("5S")).isEqualTo(5_000);
    assertThat(GrpcDeadline.parseMillis("250m")).isEqualTo(250);
    assertThat(GrpcDeadline.parseMillis("1500u")).isEqualTo(2); // rounded up
    assertThat(GrpcDeadline.parseMillis("1n")).isEqualTo(1);
    assertThat(GrpcDeadline.parseMillis("0m")).isEqualTo(0);
    assertThat(GrpcDeadline.parseMillis("99999999H")).isEqualTo(99_999_999L * 3_600_000L);
    for (String bad : new String[] {"", "m", "10", "123456789m", "10s", "10 m", " 10m", "-1m", "1.5S", "10mm", "１m"}) {
      assertThat(GrpcDeadline.parseMillis(bad)).as(bad).isEqualTo(-1);
    }
  }

  @Test
  void aGrpcTimeoutBoundsTheCallOnlyWhenShorterThanTheRouteTimeout() {
    assertThat(GrpcDeadline.bound(300, 30_000)).isEqualTo(300);
    assertThat(GrpcDeadline.bound(30_000, 30_000)).isEqualTo(-1);
    assertThat(GrpcDeadline.bound(60_000, 30_000)).isEqualTo(-1);
    assertThat(GrpcDeadline.bound(60_000, 0)).isEqualTo(60_000); // the route has no timeout
    assertThat(GrpcDeadline.bound(-1, 30_000)).isEqualTo(-1);
  }

  @Test
  void teTrailersIsTheOneTeValueForwarded() {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    HeaderRules.forwardTeTrailers(MultiMap.caseInsensitiveMultiMap().add("TE", "gzip;q=0.5, trailers"), out);
    assertThat(out.getAll("te")).containsExactly("trailers");
    out = MultiMap.caseInsensitiveMultiMap();
    HeaderRules.forwardTeTrailers(MultiMap.caseInsensitiveMultiMap().add("TE", "gzip, deflate"), out);
    assertThat(out.contains("te")).isFalse();
    HeaderRules.forwardTeTrailers(MultiMap.caseInsensitiveMultiMap(), out);
    assertThat(out.contains("te")).isFalse();
  }
}
