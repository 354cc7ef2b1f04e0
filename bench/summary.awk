# Prints the table of a bench/run.sh CSV (one row per wrk measurement): for each target and cell
# (connections, body) the median, min and max over the repetitions. Plain POSIX awk (mawk works).
#   awk -F, -f bench/summary.awk bench/results/RUN.csv      (or: bench/run.sh --summary RUN.csv)
#
# x nginx: the median over repetitions of (this target's req/s / nginx's req/s in the same
# repetition and cell, nginx with the same number of workers); the pairs were measured seconds apart,
# so most of the machine's drift cancels. p99 x: median p99 / nginx's median p99.
# CPU%: the proxy's processes' CPU time over the measurement (100 = one core busy). CPU/1k: CPU% per
# 1,000 req/s, i.e. 10 us of CPU per request for every 1.0. RSS: peak RSS (VmHWM, reset before each
# measurement) summed over the proxy's processes, max over repetitions.

function sort(a, n,    i, j, t) {
  for (i = 2; i <= n; i++) {
    t = a[i]
    for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
    a[j + 1] = t
  }
}
function median(a, n) {
  if (n == 0) return ""
  sort(a, n)
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# stat(prefix, key): median/min/max of the values V[prefix, key, rep] over the repetitions
function stat(prefix, key,    r, n, a) {
  n = 0
  for (r = 1; r <= maxrep; r++) if ((prefix, key, r) in V) a[++n] = V[prefix, key, r] + 0
  S_n = n
  if (n == 0) { S_med = S_min = S_max = ""; return }
  S_med = median(a, n); S_min = a[1]; S_max = a[n]
}
function ratio(key, ref,    r, n, a) {
  n = 0
  for (r = 1; r <= maxrep; r++)
    if (("rps", key, r) in V && ("rps", ref, r) in V && V["rps", ref, r] > 0)
      a[++n] = V["rps", key, r] / V["rps", ref, r]
  if (n == 0) { R_med = ""; return }
  R_med = median(a, n); R_min = a[1]; R_max = a[n]
}
function fmt(x, f) { return x == "" ? "-" : sprintf(f, x) }
function thousands(x,    s, out) {
  if (x == "") return "-"
  s = sprintf("%.0f", x); out = ""
  while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
  return s out
}
function bodylabel(b) { return b == "small" ? "100 B" : (b == "64k" ? "64 KiB" : b) }

NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
  t = $col["target"]; c = $col["conns"]; b = $col["body"]; r = $col["rep"] + 0
  if (!(t in seenT)) { seenT[t] = 1; targets[++nt] = t; kind[t] = $col["kind"]; workers[t] = $col["workers"]; variant[t] = $col["variant"] }
  cell = c SUBSEP b
  if (!(cell in seenC)) { seenC[cell] = 1; cells[++nc] = cell }
  key = t SUBSEP cell
  if (r > maxrep) maxrep = r
  V["rps", key, r] = $col["rps"]
  V["p50", key, r] = $col["p50_ms"]
  V["p99", key, r] = $col["p99_ms"]
  if ($col["proxy_cpu_pct"] != "") {
    V["cpu", key, r] = $col["proxy_cpu_pct"]
    if ($col["rps"] > 0) V["cpuk", key, r] = $col["proxy_cpu_pct"] / ($col["rps"] / 1000)
  }
  if ($col["rss_peak_mb"] != "" && $col["rss_peak_mb"] + 0 > rssmax[key] + 0) rssmax[key] = $col["rss_peak_mb"]
  errs[key] += $col["errors"]
  split_n[t]++
  SPLIT["wrk", t, split_n[t]] = $col["wrk_cpu_pct"]
  SPLIT["up", t, split_n[t]] = $col["upstream_cpu_pct"]
  SPLIT["proxy", t, split_n[t]] = ($col["proxy_cpu_pct"] == "" ? 0 : $col["proxy_cpu_pct"])
  SPLIT["other", t, split_n[t]] = $col["machine_cpu_pct"] - $col["wrk_cpu_pct"] - $col["upstream_cpu_pct"] - ($col["proxy_cpu_pct"] == "" ? 0 : $col["proxy_cpu_pct"])
}
END {
  if (nt == 0) { print "no measurements"; exit 1 }
  printf "Medians of %d repetition(s); min-max in brackets. x nginx: paired per repetition with nginx of the same workers.\n", maxrep
  printf "%-13s %2s %5s %-6s | %8s %8s %8s | %-17s | %7s %7s %6s | %6s %6s | %6s | %6s\n",
    "proxy", "w", "conns", "body", "req/s", "min", "max", "x nginx (min-max)", "p50 ms", "p99 ms", "p99 x",
    "CPU%", "CPU/1k", "RSS MB", "errors"
  line = ""; for (i = 0; i < 139; i++) line = line "-"
  print line
  for (ci = 1; ci <= nc; ci++) {
    cell = cells[ci]; split(cell, cb, SUBSEP)
    for (ti = 1; ti <= nt; ti++) {
      t = targets[ti]; key = t SUBSEP cell
      stat("rps", key)
      if (S_n == 0) continue
      rmed = S_med; rmin = S_min; rmax = S_max
      MED[t, cell] = rmed
      stat("p50", key); p50 = S_med
      stat("p99", key); p99 = S_med; P99[t, cell] = p99
      stat("cpu", key); cpu = S_med
      stat("cpuk", key); cpuk = S_med; CPUK[t, cell] = cpuk
      ref = "nginx:" workers[t]
      ratio_s = "-"; p99x = "-"
      if (kind[t] != "direct") {
        ratio(key, ref SUBSEP cell)
        if (R_med != "") ratio_s = sprintf("%.2f (%.2f-%.2f)", R_med, R_min, R_max)
        stat("p99", ref SUBSEP cell)
        if (S_med != "" && S_med > 0) p99x = sprintf("%.2f", p99 / S_med)
      }
      printf "%-13s %2s %5s %-6s | %8s %8s %8s | %-17s | %7s %7s %6s | %6s %6s | %6s | %6s\n",
        t, workers[t], cb[1], bodylabel(cb[2]), thousands(rmed), thousands(rmin), thousands(rmax), ratio_s,
        fmt(p50, "%.2f"), fmt(p99, "%.2f"), p99x, fmt(cpu, "%.0f"), fmt(cpuk, "%.2f"),
        (key in rssmax ? sprintf("%.0f", rssmax[key]) : "-"), errs[key] + 0
    }
    print ""
  }

  # The best configuration of each side (by median req/s), per cell: what the issue's targets compare.
  print "Best configuration of each kind per cell (by median req/s), compared with nginx's best:"
  for (ci = 1; ci <= nc; ci++) {
    cell = cells[ci]; split(cell, cb, SUBSEP)
    delete best
    for (ti = 1; ti <= nt; ti++) {
      t = targets[ti]; k = kind[t] (variant[t] != "" ? ":" variant[t] : "")
      if (!((t, cell) in MED) || t ~ /@2$/) continue
      if (!(k in best) || MED[t, cell] > MED[best[k], cell]) best[k] = t
    }
    s = sprintf("  %3s conns %-6s:", cb[1], bodylabel(cb[2]))
    if ("nginx" in best) {
      n = best["nginx"]
      s = s sprintf(" nginx %s %s req/s p99 %.2f ms", n, thousands(MED[n, cell]), P99[n, cell])
      for (ti = 1; ti <= nt; ti++) {
        t = targets[ti]; k = kind[t] (variant[t] != "" ? ":" variant[t] : "")
        if (k == "nginx" || k == "direct" || best[k] != t) continue
        s = s sprintf(" | %s %.2fx (p99 %.2fx, CPU/1k %s)", t, MED[t, cell] / MED[n, cell],
          (P99[n, cell] > 0 ? P99[t, cell] / P99[n, cell] : 0),
          (CPUK[n, cell] > 0 && CPUK[t, cell] != "" ? sprintf("%.2fx", CPUK[t, cell] / CPUK[n, cell]) : "-"))
      }
      if (("gw" in best) && ("lb" in best))
        s = s sprintf(" | gw/lb %.2f", MED[best["gw"], cell] / MED[best["lb"], cell])
    }
    print s
  }

  # A/A: a target measured twice in the same run (NAME and NAME@2, identical): how far apart two
  # copies of the same thing land is the noise any other difference in this run must exceed.
  naa = 0
  for (ti = 1; ti <= nt; ti++) if (targets[ti] ~ /@2$/) naa++
  if (naa > 0) {
    print ""
    print "A/A noise: NAME@2 is a second, identical copy of NAME in the same run; per cell the median (min-max) over"
    print "repetitions of (copy req/s / original req/s in the same repetition), and the ratio of their median p99s:"
    for (ti = 1; ti <= nt; ti++) {
      t = targets[ti]
      if (t !~ /@2$/) continue
      base = substr(t, 1, length(t) - 2)
      s = sprintf("  %-13s", t " / " base)
      for (ci = 1; ci <= nc; ci++) {
        cell = cells[ci]; split(cell, cb, SUBSEP)
        ratio(t SUBSEP cell, base SUBSEP cell)
        if (R_med == "") continue
        s = s sprintf(" | %s %s: %.2f (%.2f-%.2f), p99 %.2f", cb[1], bodylabel(cb[2]), R_med, R_min, R_max,
          (P99[base, cell] > 0 ? P99[t, cell] / P99[base, cell] : 0))
      }
      print s
    }
  }

  print ""
  print "CPU split during each target's measurements (medians over all its runs, % of one core; the machine has 100% per core):"
  printf "  %-13s %7s %9s %7s %16s\n", "target", "wrk", "upstream", "proxy", "other processes"
  for (ti = 1; ti <= nt; ti++) {
    t = targets[ti]; n = split_n[t]
    for (part = 1; part <= 4; part++) {
      p = (part == 1 ? "wrk" : part == 2 ? "up" : part == 3 ? "proxy" : "other")
      delete a
      for (i = 1; i <= n; i++) a[i] = SPLIT[p, t, i] + 0
      m[part] = median(a, n)
    }
    printf "  %-13s %7.0f %9.0f %7.0f %16.0f\n", t, m[1], m[2], m[3], m[4]
  }
}
