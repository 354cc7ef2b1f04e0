package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.UpstreamProtocol;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** The per-protocol-pair header rules that are not {@link HeaderRules}' common ones. */
class HeaderMapperTest {

  @Test
  void oneMapperPerPairBuiltOnce() {
    assertThat(HeaderMapper.of(HttpVersion.HTTP_1_1, UpstreamProtocol.HTTP1))
        .isSameAs(HeaderMapper.of(HttpVersion.HTTP_1_0, UpstreamProtocol.HTTP1))
        .isNotSameAs(HeaderMapper.of(HttpVersion.HTTP_2, UpstreamProtocol.HTTP1));
    assertThat(HeaderMapper.of(HttpVersion.HTTP_2, UpstreamProtocol.H2C).http2Client).isTrue();
  }

  @Test
  void teTrailersIsRecognisedAmongOtherCodings() {
    assertThat(HeaderMapper.acceptsTrailers(MultiMap.caseInsensitiveMultiMap().add("TE", "trailers"))).isTrue();
    assertThat(HeaderMapper.acceptsTrailers(MultiMap.caseInsensitiveMultiMap().add("te", "gzip;q=0.5, Trailers")))
        .isTrue();
    assertThat(HeaderMapper.acceptsTrailers(MultiMap.caseInsensitiveMultiMap().add("te", "gzip"))).isFalse();
    assertThat(HeaderMapper.acceptsTrailers(MultiMap.caseInsensitiveMultiMap())).isFalse();
  }

  @Test
  void trailersKeepEndToEndFieldsOnly() {
    MultiMap from = MultiMap.caseInsensitiveMultiMap()
        .add("grpc-status", "0").add("grpc-message", "fine").add("X-Checksum", "abc")
        .add("Content-Length", "12").add("Transfer-Encoding", "chunked").add("Connection", "close")
        .add("Keep-Alive", "timeout=5").add("Trailer", "x").add("Host", "evil");
    MultiMap to = MultiMap.caseInsensitiveMultiMap();
    HeaderMapper.of(HttpVersion.HTTP_2, UpstreamProtocol.HTTP1).responseTrailers(from, to);
    assertThat(to.names()).containsExactlyInAnyOrder("grpc-status", "grpc-message", "X-Checksum");
  }
}
