package cloud.locci.proxy.core.acme;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The JDK engine Vert.x uses anyway, with {@code acme-tls/1} added after {@code h2} and
 * {@code http/1.1} to the ALPN protocols the TLS listener accepts, for tls-alpn-01 (RFC 8737). Vert.x
 * derives the ALPN list from the HTTP versions only, and the JDK engine answers a client whose
 * protocols are all unknown with a fatal alert; with this, a CA offering only {@code acme-tls/1} gets it
 * (and the challenge certificate, see {@link SniKeyManager}), while browsers, which never offer it, see
 * no difference. A connection that negotiated it is closed right after the handshake (RFC 8737: no data
 * follows), before Vert.x's HTTP set-up, which knows only HTTP protocols, ever sees it.
 */
public final class AcmeTlsEngineOptions extends JdkSSLEngineOptions {

  @Override
  public AcmeTlsEngineOptions copy() {
    return this; // stateless
  }

  @Override
  public SslContextFactory sslContextFactory() {
    SslContextFactory d = super.sslContextFactory();
    return new SslContextFactory() {
      @Override
      public SslContextFactory useAlpn(boolean useAlpn) {
        d.useAlpn(useAlpn);
        return this;
      }

      @Override
      public SslContextFactory forServer(ClientAuth clientAuth) {
        d.forServer(clientAuth);
        return this;
      }

      @Override
      public SslContextFactory forClient(SNIServerName serverName, String endpointIdentificationAlgorithm) {
        d.forClient(serverName, endpointIdentificationAlgorithm);
        return this;
      }

      @Override
      public SslContextFactory enabledProtocols(Set<String> enabledProtocols) {
        d.enabledProtocols(enabledProtocols);
        return this;
      }

      @Override
      public SslContextFactory keyMananagerFactory(KeyManagerFactory kmf) {
        d.keyMananagerFactory(kmf);
        return this;
      }

      @Override
      public SslContextFactory trustManagerFactory(TrustManagerFactory tmf) {
        d.trustManagerFactory(tmf);
        return this;
      }

      @Override
      public SslContextFactory enabledCipherSuites(Set<String> enabledCipherSuites) {
        d.enabledCipherSuites(enabledCipherSuites);
        return this;
      }

      @Override
      public SslContextFactory applicationProtocols(List<String> protocols) {
        if (protocols == null || protocols.isEmpty() || protocols.contains(SniKeyManager.ACME_TLS_1)) {
          d.applicationProtocols(protocols);
        } else {
          List<String> with = new ArrayList<>(protocols);
          with.add(SniKeyManager.ACME_TLS_1);
          d.applicationProtocols(with);
        }
        return this;
      }

      @Override
      public SslContext create() throws SSLException {
        return new DelegatingSslContext(d.create()) {
          @Override
          protected void initEngine(SSLEngine engine) {}

          @Override
          protected void initHandler(SslHandler handler) {
            // Runs before the handshake-complete event travels up the pipeline (SslHandler completes
            // the promise first), so the closer added here stops it.
            handler.handshakeFuture().addListener(f -> {
              if (f.isSuccess() && SniKeyManager.ACME_TLS_1.equals(handler.applicationProtocol())) {
                Channel ch = (Channel) f.getNow();
                ChannelHandlerContext ssl = ch.pipeline().context(handler);
                if (ssl != null) {
                  ch.pipeline().addAfter(ssl.name(), "acme-tls-1", new ValidationCloser());
                }
              }
            });
          }
        };
      }
    };
  }

  /** Ends a tls-alpn-01 validation connection: swallows the handshake event and closes. */
  private static final class ValidationCloser extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent) {
        ctx.close();
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg); // nothing may follow the handshake
    }
  }
}
