package cloud.locci.proxy.gateway;

import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.config.RoutePolicies;
import cloud.locci.proxy.core.config.RoutePolicies.HeaderRuleSet;
import cloud.locci.proxy.core.policy.HeaderEdits;
import cloud.locci.proxy.core.policy.PathRewrite;
import cloud.locci.proxy.core.policy.RequestMatchers;
import cloud.locci.proxy.core.policy.SplitChooser;
import cloud.locci.proxy.core.policy.SplitCursors;
import cloud.locci.proxy.core.upstream.UpstreamGroup;
import cloud.locci.proxy.core.upstream.Upstreams;
import java.util.ArrayList;
import java.util.List;

/**
 * A route's traffic policies compiled for one snapshot (SPEC §11): its matchers, its split (null when
 * it has one upstream), its rewrite (null when none) and its header rules both ways.
 */
record RoutePolicyRuntime(RequestMatchers matchers, SplitChooser split, PathRewrite rewrite,
    HeaderEdits requestEdits, HeaderEdits responseEdits) {

  static final RoutePolicyRuntime NONE = new RoutePolicyRuntime(RequestMatchers.NONE, null, null, HeaderEdits.NONE,
      HeaderEdits.NONE);

  /** Compiles the policies of {@code r}, which passed validation, against {@code upstreams}. */
  static RoutePolicyRuntime compile(RouteConfig r, Upstreams upstreams, SplitCursors cursors) {
    RoutePolicies p = r.policies();
    if (p.isEmpty()) {
      return NONE;
    }
    SplitChooser split = null;
    if (!p.split().isEmpty()) {
      List<UpstreamGroup> groups = new ArrayList<>();
      for (RoutePolicies.SplitEntry e : p.split()) {
        groups.add(upstreams.group(e.upstream()).orElseThrow(() ->
            new IllegalStateException("route " + r.name() + " splits to unknown upstream " + e.upstream())));
      }
      split = SplitChooser.of(p.split(), groups, cursors.cursor(r.name(), p.split()));
    }
    return new RoutePolicyRuntime(RequestMatchers.of(p.matchHeaders(), p.matchQuery()), split,
        p.rewrite().map(PathRewrite::compile).orElse(null), HeaderEdits.compile(p.requestHeaders()),
        HeaderEdits.compile(p.responseHeaders()));
  }

  /** The rules in words, in the order applied ({@code remove X-A}, {@code set X-B: v}, {@code add X-C: v}). */
  static List<String> describe(HeaderRuleSet rules) {
    List<String> out = new ArrayList<>();
    rules.remove().forEach(n -> out.add("remove " + n));
    rules.set().forEach((n, v) -> out.add("set " + n + ": " + v));
    rules.add().forEach((n, v) -> out.add("add " + n + ": " + v));
    return out;
  }
}
