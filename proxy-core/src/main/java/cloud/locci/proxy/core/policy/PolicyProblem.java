package cloud.locci.proxy.core.policy;

/**
 * One problem found in a route's policies, for the validator to report.
 *
 * @param path the key path ({@code api_gateway.routes.a.request_headers.set.X-Foo})
 * @param message what is wrong, in words
 */
public record PolicyProblem(String path, String message) {}
