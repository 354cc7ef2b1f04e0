#!/usr/bin/env bash
# The HTTP/2 row of `make bench`: h2load (Debian nghttp2-client) over cleartext HTTP/2 with prior
# knowledge against an h2c upstream (nghttpd, Debian nghttp2-server) directly, through nginx (an http2
# listener with grpc_pass, which speaks HTTP/2 to the upstream) and through locci-proxy (h2c listener,
# upstream protocol h2c), measured in interleaved repetitions: direct nginx locci direct nginx locci ...
#
#   bench/h2.sh           the full row (defaults below; about 2 minutes)
#   bench/h2.sh --quick   a smoke run (1 repetition, 1 s per measurement, 5 s of warm-up)
#
# Everything it starts is started here on 127.0.0.1, stopped by PID at exit; files live in one mktemp
# directory, removed at exit. Environment (defaults in brackets):
#   BENCH_H2_REPS [5]  BENCH_H2_DURATION seconds [3]  BENCH_H2_WARMUP seconds of load on the JVM [20]
#   BENCH_H2_CLIENTS h2load connections [16]  BENCH_H2_STREAMS concurrent streams per connection [16]
#   BENCH_H2_WORKERS nginx workers = locci --instances [2]  BENCH_JAR  BENCH_RESULTS_DIR  BENCH_NO_INSTALL
set -euo pipefail
umask 022

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0
case "${1:-}" in
  --quick) QUICK=1 ;;
  -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac
if [ $QUICK = 1 ]; then
  BENCH_H2_REPS=${BENCH_H2_REPS:-1}; BENCH_H2_DURATION=${BENCH_H2_DURATION:-1}; BENCH_H2_WARMUP=${BENCH_H2_WARMUP:-5}
fi
REPS=${BENCH_H2_REPS:-5}
DURATION=${BENCH_H2_DURATION:-3}
WARMUP=${BENCH_H2_WARMUP:-20}
CLIENTS=${BENCH_H2_CLIENTS:-16}
STREAMS=${BENCH_H2_STREAMS:-16}
WORKERS=${BENCH_H2_WORKERS:-2}
JAR=${BENCH_JAR:-$ROOT/proxy-cli/target/locci-proxy.jar}
RESULTS_DIR=${BENCH_RESULTS_DIR:-$ROOT/bench/results}
JAVA=${JAVA:-java}
# The JVM flags of bench/run.sh (bench/README.md "JVM flags").
JAVA_OPTS=${BENCH_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx64m -Xmn40m -XX:+AlwaysPreTouch -Dio.netty.allocator.type=pooled}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

WORK=$(mktemp -d -t locci-bench-h2.XXXXXX)
chmod 755 "$WORK"
PIDS=()
CREATED_POLICY_RC=0
cleanup() {
  local rc=$? i pid deadline
  trap - EXIT INT TERM
  set +e
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null; done
  deadline=$((SECONDS + 10))
  for pid in "${PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  [ "$CREATED_POLICY_RC" = 1 ] && rm -f /usr/sbin/policy-rc.d
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start() { local name=$1; shift; "$@" >"$WORK/$name.log" 2>&1 & PIDS+=("$!"); LAST_PID=$!; }
find_tool() {
  local t
  for t in "$1" "/usr/sbin/$1" "/usr/local/sbin/$1"; do
    if command -v "$t" >/dev/null 2>&1; then command -v "$t"; return 0; fi
  done
  return 1
}

# Tools from the distribution, as bench/run.sh installs its own: never starting a service.
install_tools() {
  local missing=() sudo=
  find_tool h2load >/dev/null || missing+=(nghttp2-client)
  find_tool nghttpd >/dev/null || missing+=(nghttp2-server)
  find_tool nginx >/dev/null || missing+=(nginx)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "${BENCH_NO_INSTALL:-0}" = 1 ] && die "missing: ${missing[*]} (and BENCH_NO_INSTALL=1)"
  command -v apt-get >/dev/null || die "missing: ${missing[*]}; install them (this script knows apt-get only)"
  [ "$(id -u)" != 0 ] && { command -v sudo >/dev/null || die "missing: ${missing[*]}; run as root"; sudo=sudo; }
  log "installing ${missing[*]} from the distribution"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    CREATED_POLICY_RC=1
  fi
  apt-cache show "${missing[@]}" >/dev/null 2>&1 || $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  if [ "$CREATED_POLICY_RC" = 1 ]; then $sudo rm -f /usr/sbin/policy-rc.d; CREATED_POLICY_RC=0; fi
}

PORT=18600
take_port() { while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done; P=$PORT; PORT=$((PORT + 1)); }

# wait_h2 PORT PID NAME: waits (at most 60 s) until an h2c GET of the body answers 200.
wait_h2() {
  local i
  for ((i = 0; i < 600; i++)); do
    "$H2LOAD" -n1 -c1 "http://127.0.0.1:$1/small.txt" 2>/dev/null | grep -q '1 succeeded' && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 30 "$WORK/$3.log" >&2; die "$3 exited during start-up"; }
    sleep 0.1
  done
  tail -n 30 "$WORK/$3.log" >&2
  die "$3 did not answer over h2c on port $1 within 60 s"
}

install_tools
H2LOAD=$(find_tool h2load)
[ -f "$JAR" ] || { log "building $JAR"; (cd "$ROOT" && mvn -B -q package -DskipTests) >&2; }

# The upstream: nghttpd serving a 100-byte body over h2c.
mkdir -p "$WORK/www"
head -c 99 /dev/zero | tr '\0' 'x' >"$WORK/www/small.txt"; echo >>"$WORK/www/small.txt"
chmod -R a+rX "$WORK/www"
take_port; UP=$P
start upstream "$(find_tool nghttpd)" --no-tls -d "$WORK/www" "$UP"
wait_h2 "$UP" "$LAST_PID" upstream

# nginx: an http2 (h2c) listener, grpc_pass to the same upstream (HTTP/2 to it, connections kept).
# nginx does not multiplex upstream HTTP/2: each request takes a connection of its own, and returns it
# to the worker's keepalive cache. For a fair row the cache must hold one connection per concurrent
# stream (CLIENTS x STREAMS, which may all land on one worker), and connections must not be retired
# after nginx's default 1000 requests (keepalive_requests), else nginx pays a TCP and HTTP/2 handshake
# per request where locci reuses its streams.
H2_CONCURRENCY=$((CLIENTS * STREAMS))
take_port; NGINX_PORT=$P
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes $WORKERS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/client_body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream h2up {
    server 127.0.0.1:$UP;
    keepalive $((H2_CONCURRENCY + 16));
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT http2;
    http2_max_concurrent_streams $((STREAMS > 128 ? STREAMS : 128));
    keepalive_requests 1000000;
    location / { grpc_pass grpc://h2up; }
  }
}
CONF
NGINX=$(find_tool nginx)
"$NGINX" -t -q -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.log" 2>&1 || { cat "$WORK/nginx.log" >&2; die "bad nginx config"; }
start nginx "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
NGINX_PID=$LAST_PID
wait_h2 "$NGINX_PORT" "$NGINX_PID" nginx

# locci-proxy: load balancer, h2c on the plain listener, upstream protocol h2c.
take_port; LOCCI_PORT=$P
cat >"$WORK/locci.yaml" <<CONF
mode: load_balancer
server: { bind_address: "127.0.0.1:$LOCCI_PORT", h2c: true, shutdown_grace_secs: 1 }
logging: { level: warn, access_log: false }
control_api: { enabled: false }
upstreams:
  h2up: { servers: ["127.0.0.1:$UP"], protocol: h2c }
load_balancer: { upstream: h2up }
CONF
read -r -a OPTS <<<"$JAVA_OPTS"
start locci env LOCCI_VERTX_HTTP_METRICS=false "$JAVA" "${OPTS[@]}" -jar "$JAR" start -c "$WORK/locci.yaml" --instances "$WORKERS"
LOCCI_PID=$LAST_PID
wait_h2 "$LOCCI_PORT" "$LOCCI_PID" locci

log "warming up locci: $WARMUP s"
"$H2LOAD" -c"$CLIENTS" -m"$STREAMS" -D"$WARMUP" "http://127.0.0.1:$LOCCI_PORT/small.txt" >/dev/null
"$H2LOAD" -c"$CLIENTS" -m"$STREAMS" -D2 "http://127.0.0.1:$NGINX_PORT/small.txt" >/dev/null

mkdir -p "$RESULTS_DIR"
RUN_ID=$(date +%Y%m%d-%H%M%S)
base="$RESULTS_DIR/$( [ $QUICK = 1 ] && echo quick- || true)h2-$RUN_ID"
CSV="$base.csv"
echo "rep,target,rps,mean_ms,succeeded,failed" >"$CSV"
declare -A TPORT=([direct]=$UP [nginx:$WORKERS]=$NGINX_PORT [lb:$WORKERS]=$LOCCI_PORT)
for ((rep = 1; rep <= REPS; rep++)); do
  for t in direct "nginx:$WORKERS" "lb:$WORKERS"; do
    out=$("$H2LOAD" -c"$CLIENTS" -m"$STREAMS" -D"$DURATION" "http://127.0.0.1:${TPORT[$t]}/small.txt" 2>&1) \
      || { echo "$out" >&2; die "h2load failed on $t"; }
    rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' <<<"$out")
    mean=$(awk '/^time for request:/ { print $6 }' <<<"$out")
    read -r ok failed < <(awk '/^requests:/ { print $8, $10 }' <<<"$out")
    echo "$rep,$t,$rps,$mean,$ok,$failed" >>"$CSV"
    log "rep $rep/$REPS $(printf '%-8s' "$t") $rps req/s  mean $mean  succeeded $ok failed $failed"
  done
done

{
  echo "HTTP/2 (h2c) row: h2load -c$CLIENTS -m$STREAMS -D$DURATION, 100-byte body, nghttpd upstream; $REPS interleaved repetitions"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)  jar: $JAR"
  echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "h2load: $("$H2LOAD" --version 2>&1 | head -n1)  nginx: $("$NGINX" -v 2>&1 | sed 's/.*: //')  java: $("$JAVA" -version 2>&1 | head -n1)"
  echo
  awk -F, 'NR > 1 { n[$2]++; v[$2, n[$2]] = $3; f[$2] += $6 }
    END {
      printf "%-10s %12s %12s %12s %7s\n", "target", "min req/s", "median", "max req/s", "failed"
      for (t in n) {
        k = n[t]
        for (i = 1; i <= k; i++) a[i] = v[t, i] + 0
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
        med = (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
        printf "%-10s %12.0f %12.0f %12.0f %7d\n", t, a[1], med, a[k], f[t]
        medians[t] = med
      }
      for (t in medians) { if (t ~ /^lb/) l = medians[t]; if (t ~ /^nginx/) g = medians[t] }
      if (g > 0) printf "\nlocci / nginx (median req/s): %.2f\n", l / g
    }' "$CSV"
  echo
  echo "raw results: ${CSV#"$ROOT"/}"
  echo "reproduce: bench/h2.sh$([ $QUICK = 1 ] && echo ' --quick') (BENCH_H2_REPS=$REPS BENCH_H2_DURATION=$DURATION BENCH_H2_CLIENTS=$CLIENTS BENCH_H2_STREAMS=$STREAMS BENCH_H2_WORKERS=$WORKERS)"
} | tee "$base.txt"
