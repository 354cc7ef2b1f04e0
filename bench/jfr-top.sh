#!/usr/bin/env bash
# Summarises a JFR recording (JDK 17 has no `jfr view`): the hottest methods by CPU samples (self and
# inclusive), the allocation sites and classes by sampled bytes, and the GC pauses.
#   bench/jfr-top.sh RECORDING.jfr [REQUESTS] [TOP]
# REQUESTS (requests served while recording) turns the allocated bytes into bytes per request.
set -eu

JFR_FILE=${1:?usage: jfr-top.sh RECORDING.jfr [REQUESTS] [TOP]}
REQUESTS=${2:-0}
TOP=${3:-25}
DEPTH=64

# One line per event: the event's fields of interest, then its frames, separated by tabs.
flatten() {
  jfr print --stack-depth "$DEPTH" --events "$1" "$JFR_FILE" | awk '
    function flush() { if (inev) print head "\t" frames; inev = 0; frames = ""; head = "" }
    /^[a-zA-Z.]+ \{$/ { flush(); inev = 1; next }
    /^\}/ { flush(); next }
    /^  sampledThread = |^  eventThread = / { t = $0; sub(/^[^"]*"/, "", t); sub(/".*/, "", t); thread = t; next }
    /^  objectClass = / { c = $0; sub(/^  objectClass = /, "", c); sub(/ \(classLoader.*/, "", c); cls = c; next }
    /^  weight = / { w = $3; u = $4; m = (u == "kB" ? 1024 : u == "MB" ? 1048576 : u == "GB" ? 1073741824 : 1); weight = w * m; next }
    /^  stackTrace = \[/ { instack = 1; head = thread "\t" cls "\t" weight; next }
    instack && /^  \]/ { instack = 0; next }
    instack {
      f = $0; sub(/^ +/, "", f); sub(/ +line: .*$/, "", f)
      if (f == "...") next
      frames = frames (frames == "" ? "" : "\t") f
    }
    END { flush() }'
}

tmp=$(mktemp -d -t jfr-top.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

flatten jdk.ExecutionSample >"$tmp/cpu"
flatten jdk.NativeMethodSample >"$tmp/native"
# A thread's first sample after a recording starts (jcmd JFR.start on a running JVM) weighs all it
# allocated since it started, before the recording: left out.
flatten jdk.ObjectAllocationSample | awk -F'\t' 'seen[$1]++' >"$tmp/alloc"

total=$(wc -l <"$tmp/cpu")
echo "CPU samples (jdk.ExecutionSample, every Java thread running Java code): $total"
echo
echo "Samples by thread:"
awk -F'\t' '{ n[$1]++ } END { for (t in n) printf "%8d %5.1f%%  %s\n", n[t], 100 * n[t] / NR, t }' "$tmp/cpu" | sort -rn | awk 'NR <= 10'
echo
echo "Threads in native code (jdk.NativeMethodSample, sampled less often): $(wc -l <"$tmp/native") samples, by top frame:"
awk -F'\t' 'NF >= 4 { n[$4]++ } END { for (m in n) printf "%8d %5.1f%%  %s\n", n[m], 100 * n[m] / NR, m }' "$tmp/native" | sort -rn | awk 'NR <= 8'
echo
echo "Hot methods, self (top frame), top $TOP:"
awk -F'\t' 'NF >= 4 { n[$4]++ } END { for (m in n) printf "%8d %5.1f%%  %s\n", n[m], 100 * n[m] / NR, m }' "$tmp/cpu" | sort -rn | awk -v n="$TOP" 'NR <= n'
echo
echo "Hot methods, inclusive (on the stack; each method once per sample), top $TOP, frames of threads' run loops left out:"
awk -F'\t' '{
    delete seen
    for (i = 4; i <= NF; i++) if (!($i in seen)) { seen[$i] = 1; n[$i]++ }
  }
  END { for (m in n) printf "%8d %5.1f%%  %s\n", n[m], 100 * n[m] / NR, m }' "$tmp/cpu" \
  | grep -vE 'java\.lang\.Thread\.run|FastThreadLocalRunnable|ThreadExecutorMap|SingleThreadEventExecutor\$4\.run|EpollEventLoop\.run\(|NioEventLoop\.run\(|SingleThreadIoEventLoop\.run|SingleThreadEventExecutor\$.*\.run\(' \
  | sort -rn | awk -v n="$TOP" 'NR <= n'
echo
echo "CPU by library: self = the top frame's first frame outside java.*/jdk.*/sun.*; inclusive = samples with any frame of the library on the stack:"
awk -F'\t' '
  function lib(f,    p, n) { n = split(f, p, "."); return (f ~ /^cloud\.locci\.proxy\./ ? p[1] "." p[2] "." p[3] "." p[4] : p[1] "." p[2]) }
  {
    s = "(JDK only)"; for (i = 4; i <= NF; i++) if ($i !~ /^(java|javax|jdk|sun)\./) { s = lib($i); break }
    self[s]++
    delete seen
    for (i = 4; i <= NF; i++) { l = lib($i); if (!(l in seen)) { seen[l] = 1; incl[l]++ } }
  }
  END { for (l in incl) if (l !~ /^(java|javax|jdk|sun)\./) printf "%5.1f%% self %5.1f%% inclusive  %s\n", 100 * self[l] / NR, 100 * incl[l] / NR, l }' "$tmp/cpu" \
  | sort -k3 -rn | awk 'NR <= 12'
echo
echo "Hot methods by first frame in cloud.locci (self time of everything it calls below it), top $TOP:"
awk -F'\t' '{ m = "(no cloud.locci frame)"; for (i = 4; i <= NF; i++) if ($i ~ /^cloud\.locci\./) { m = $i; break } n[m]++ }
  END { for (m in n) printf "%8d %5.1f%%  %s\n", n[m], 100 * n[m] / NR, m }' "$tmp/cpu" | sort -rn | awk -v n="$TOP" 'NR <= n'
echo

asamples=$(wc -l <"$tmp/alloc")
abytes=$(awk -F'\t' '{ s += $3 } END { printf "%.0f", s }' "$tmp/alloc")
echo "Allocation (jdk.ObjectAllocationSample without each thread's first: $asamples samples standing for $(awk -v b="$abytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB allocated)$(
  [ "$REQUESTS" -gt 0 ] && awk -v b="$abytes" -v r="$REQUESTS" 'BEGIN { printf "; %.0f bytes per request over %d requests", b / r, r }')"
echo
echo "Allocated bytes by class, top $TOP:"
awk -F'\t' -v tot="$abytes" '{ n[$2] += $3 } END { for (c in n) printf "%10.1f MiB %5.1f%%  %s\n", n[c] / 1048576, 100 * n[c] / tot, c }' "$tmp/alloc" | sort -rn | awk -v n="$TOP" 'NR <= n'
echo
echo "Allocated bytes by site (top frame), top $TOP:"
awk -F'\t' -v tot="$abytes" 'NF >= 4 { n[$4 "  [" $2 "]"] += $3 } END { for (c in n) printf "%10.1f MiB %5.1f%%  %s\n", n[c] / 1048576, 100 * n[c] / tot, c }' "$tmp/alloc" | sort -rn | awk -v n="$TOP" 'NR <= n'
echo
echo "Allocated bytes by first frame outside java.*, jdk.*, sun.* (the caller that asked), top $TOP:"
awk -F'\t' -v tot="$abytes" '{ m = "(JDK only)"; for (i = 4; i <= NF; i++) if ($i !~ /^(java|javax|jdk|sun)\./) { m = $i; break } n[m "  [" $2 "]"] += $3 }
  END { for (c in n) printf "%10.1f MiB %5.1f%%  %s\n", n[c] / 1048576, 100 * n[c] / tot, c }' "$tmp/alloc" | sort -rn | awk -v n="$TOP" 'NR <= n'
echo
echo "Allocated bytes by first frame in cloud.locci (our code that led to it, whoever allocated), top $TOP:"
awk -F'\t' -v tot="$abytes" '{ m = "(no cloud.locci frame)"; for (i = 4; i <= NF; i++) if ($i ~ /^cloud\.locci\./) { m = $i; break } n[m] += $3 }
  END { for (c in n) printf "%10.1f MiB %5.1f%%  %s\n", n[c] / 1048576, 100 * n[c] / tot, c }' "$tmp/alloc" | sort -rn | awk -v n="$TOP" 'NR <= n'
echo
echo "Allocated bytes whose top frame is in cloud.locci (allocated by our own code), by site and class, top $TOP:"
awk -F'\t' -v tot="$abytes" 'NF >= 4 && $4 ~ /^cloud\.locci\./ { n[$4 "  [" $2 "]"] += $3 }
  END { for (c in n) printf "%10.1f MiB %5.1f%%  %s\n", n[c] / 1048576, 100 * n[c] / tot, c }' "$tmp/alloc" | sort -rn | awk -v n="$TOP" 'NR <= n'
echo
echo "GC (jdk.GarbageCollection):"
jfr print --events jdk.GarbageCollection "$JFR_FILE" | awk '
  function ms(v, u) { return u == "s" ? v * 1000 : u == "us" ? v / 1000 : u == "ns" ? v / 1e6 : v }
  /^  name = / { name = $3; gsub(/"/, "", name) }
  /^  sumOfPauses = / { p = ms($3, $4); n[name]++; sum[name] += p; if (p > max[name]) max[name] = p }
  END { for (k in n) printf "  %-22s %6d collections, %8.1f ms paused in all, longest %.2f ms, mean %.2f ms\n", k, n[k], sum[k], max[k], sum[k] / n[k] }'
