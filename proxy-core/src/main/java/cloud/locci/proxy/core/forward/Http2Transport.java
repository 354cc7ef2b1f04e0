package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.config.UpstreamConfig.Protocol;
import cloud.locci.proxy.core.upstream.Backend;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;

/**
 * The HTTP/2 {@link UpstreamTransport} ({@code protocol: h2c | h2}): each lease is one stream slot of an
 * {@link Http2Pool} (streams up to the server's {@code SETTINGS_MAX_CONCURRENT_STREAMS} per connection,
 * then more connections up to {@code max_connections_per_server}). Ending a lease gives the slot back;
 * aborting it resets this stream only. Confined to the instance's event loop.
 */
final class Http2Transport {

  private final Http2Upstreams upstreams;

  Http2Transport(Http2Upstreams upstreams) {
    this.upstreams = upstreams;
  }

  /** A stream slot to {@code backend} of {@code upstream}; failing to get one is a connect failure. */
  Future<UpstreamTransport.Lease> open(UpstreamConfig upstream, Backend backend, long timeoutMs) {
    Protocol protocol = upstream.protocol();
    return upstreams.pool(upstream, backend).acquire(timeoutMs).map(slot -> new StreamLease(slot, protocol));
  }

  /** One stream on a shared connection. */
  private static final class StreamLease implements UpstreamTransport.Lease {
    private final Http2Pool.Lease slot;
    private final Protocol protocol;
    private HttpClientRequest request;
    private boolean requested;
    private boolean ended;

    StreamLease(Http2Pool.Lease slot, Protocol protocol) {
      this.slot = slot;
      this.protocol = protocol;
    }

    @Override
    public boolean reused() {
      // A stream is never resent on a fresh connection: a GOAWAY'd connection takes no new streams.
      return false;
    }

    @Override
    public Protocol protocol() {
      return protocol;
    }

    @Override
    public Future<HttpClientRequest> request(RequestOptions options) {
      if (requested || ended) {
        throw new IllegalStateException("one request per lease");
      }
      requested = true;
      return slot.connection().request(options).andThen(ar -> {
        if (ar.succeeded()) {
          if (ended) {
            ar.result().reset(); // aborted while the stream was being opened
          } else {
            request = ar.result();
          }
        }
      });
    }

    @Override
    public void recycle() {
      if (!ended) {
        ended = true;
        slot.release();
      }
    }

    @Override
    public void abort() {
      if (!ended) {
        ended = true;
        if (request != null) {
          request.reset(); // RST_STREAM on this stream only
        }
        slot.release();
      }
    }

    @Override
    public void tunnel() {
      throw new IllegalStateException("WebSocket handshakes are sent on HTTP/1.1 leases only");
    }
  }
}
