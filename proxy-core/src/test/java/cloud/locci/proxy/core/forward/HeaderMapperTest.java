package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.UpstreamConfig.Protocol;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** The per-protocol-pair header rules that are not {@link HeaderRules}' common ones. */
class HeaderMapperTest {

  @Test
  void oneMapperPerPairBuiltOnce() {
    assertThat(HeaderMapper.of(HttpVersion.HTTP_1_1, Protocol.HTTP1))
        .isSameAs(HeaderMapper.of(HttpVersion.HTTP_1_0, Protocol.HTTP1))
        .isNotSameAs(HeaderMapper.of(HttpVersion.HTTP_2, Protocol.HTTP1));
    assertThat(HeaderMapper.of(HttpVersion.HTTP_2, Protocol.H2C).http2Client).isTrue();
  }
}
