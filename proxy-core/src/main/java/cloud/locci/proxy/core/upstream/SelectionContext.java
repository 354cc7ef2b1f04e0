package cloud.locci.proxy.core.upstream;

/**
 * What a strategy may look at to pick a server for one request. Values are computed only when a strategy
 * asks (consistent hashing), so round robin pays nothing for them.
 */
public interface SelectionContext {

  /** The client's IP address as text. */
  String clientIp();

  /** The request path, without the query string. */
  String path();

  /** The value of a request header, or null. */
  String header(String name);
}
