#!/usr/bin/env bash
# Side-by-side HTTP benchmark over loopback: the upstream alone (the ceiling), nginx as a reverse
# proxy, HAProxy, and locci-proxy in load_balancer and api_gateway mode, each with 1 and 2 workers,
# measured by wrk in interleaved repetitions. See bench/README.md for how to run it and read it.
#
#   bench/run.sh            the full run (defaults below; about 14 minutes on 2 cores)
#   bench/run.sh --quick    a smoke run (1 repetition, 1 s per measurement, 5 s of warm-up per JVM)
#   bench/run.sh --focus    issue 14's setup only: 64 connections, nginx:2 haproxy:2 lb:2 jar jar@2 vhp:2
#                           (about 6 minutes)
#   bench/run.sh --jfr      a JFR profile of locci-proxy in LB mode under wrk load
#   bench/run.sh --summary FILE.csv   print the table of an earlier run again
#
# Everything it starts (nginx, haproxy, java, wrk) is started by this script, on 127.0.0.1 only,
# and stopped by PID when it exits; its files live in one mktemp directory, removed at exit.
set -euo pipefail
umask 022

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR="$ROOT/bench"

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Environment (defaults in brackets):
  BENCH_REPS          repetitions of every measurement, interleaved A B C A B C [5]
  BENCH_DURATION      seconds of one wrk measurement [2]
  BENCH_WARMUP        seconds of full load on each JVM, one after the other, before measuring [40]
  BENCH_PEER_WARMUP   seconds of load per body on each other target before measuring [2]
  BENCH_CONNS         wrk connection counts [64 256]
  BENCH_BODIES        response bodies: small (100 bytes) and/or 64k (65,536 bytes) [small 64k]
  BENCH_TARGETS       targets, KIND:WORKERS[:VARIANT][@2]; KIND is direct, nginx, haproxy, lb, gw,
                      gwp (gateway whose every route has two header matchers and header rules both
                      ways; wrk sends X-Bench: 1 to every target),
                      jar (LB mode started as a new user starts it: `java -jar locci-proxy.jar -c FILE`,
                      no JVM flag, no --instances, no environment variable; WORKERS is ignored) or vhp
                      (bench/'s VertxHttpProxyServer: the same LB on vertx-http-proxy's HttpProxy, with
                      BENCH_JAVA_OPTS) or netty (bench/'s NettyProxyServer: a bare keep-alive proxy on
                      Netty alone, the ceiling of a Netty-level transport, with BENCH_JAVA_OPTS).
                      A trailing @2 starts a second, identical copy: the A/A noise
                      [direct nginx:1 nginx:2 haproxy:1 haproxy:2 lb:1 lb:2 gw:1 gw:2 jar jar@2]
  BENCH_JAVA_OPTS     JVM flags of locci-proxy [-XX:+UseSerialGC -Xms64m -Xmx64m -Xmn40m
                      -XX:+AlwaysPreTouch -Dio.netty.allocator.type=pooled]
  BENCH_VERTX_HTTP_METRICS  LOCCI_VERTX_HTTP_METRICS of locci-proxy: Vert.x's own HTTP meters [false]
  BENCH_JAVA_OPTS_<VARIANT>  JVM flags of lb/gw targets named with that VARIANT (compare flag sets)
  BENCH_JAR_<VARIANT>        the proxy jar of targets named with that VARIANT (compare builds in one
                             run: lb:2:OLD, or jar:OLD for the plain jar) [BENCH_JAR]
  BENCH_ROUTES        routes in gateway mode; the request matches only the last one [100]
  BENCH_WRK_THREADS   wrk threads [2]
  BENCH_PORT_BASE     first loopback port used [18400]
  BENCH_JAR           the proxy jar [proxy-cli/target/locci-proxy.jar, built if missing]
  BENCH_RESULTS_DIR   where the CSV and the table are written [bench/results]
  BENCH_JFR_SECONDS   --jfr: seconds recorded [30]
  BENCH_JFR_BODY      --jfr: small or 64k [small]
  BENCH_JFR_CONNS     --jfr: wrk connections [64]
  BENCH_JFR_INSTANCES --jfr: proxy --instances [2]
  BENCH_KEEP_TMP      1 keeps the temporary directory (configs and logs) for a look afterwards [0]
  BENCH_NO_INSTALL    1 skips the apt-get step (wrk, nginx and haproxy must be on PATH) [0]
EOF
}

MODE=bench
SUMMARY_CSV=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --focus) FOCUS=1 ;;
    --jfr) MODE=jfr ;;
    --summary) MODE=summary; SUMMARY_CSV=${2:?--summary needs a CSV file}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$MODE" = summary ]; then
  exec awk -F, -f "$BENCH_DIR/summary.awk" "$SUMMARY_CSV"
fi

if [ "${FOCUS:-0}" = 1 ]; then
  BENCH_CONNS=${BENCH_CONNS:-64}
  BENCH_TARGETS=${BENCH_TARGETS:-nginx:2 haproxy:2 lb:2 jar jar@2 vhp:2}
fi
if [ "$MODE" = quick ]; then
  BENCH_REPS=${BENCH_REPS:-1}
  BENCH_DURATION=${BENCH_DURATION:-1}
  BENCH_WARMUP=${BENCH_WARMUP:-5}
  BENCH_PEER_WARMUP=${BENCH_PEER_WARMUP:-1}
fi
REPS=${BENCH_REPS:-5}
DURATION=${BENCH_DURATION:-2}
WARMUP=${BENCH_WARMUP:-40}
PEER_WARMUP=${BENCH_PEER_WARMUP:-2}
CONNS=${BENCH_CONNS:-64 256}
BODIES=${BENCH_BODIES:-small 64k}
TARGETS=${BENCH_TARGETS:-direct nginx:1 nginx:2 haproxy:1 haproxy:2 lb:1 lb:2 gw:1 gw:2 jar jar@2}
BENCH_JAR_PATH="$BENCH_DIR/target/benchmarks.jar"   # the vhp and netty targets' program (built with -Pbench if missing)
# Why these flags: bench/README.md ("JVM flags"). Nearly all of a proxy's garbage dies young: a young
# generation as large as the heap allows means few collections, and on 2 cores the serial collector's
# young pause was less than half the parallel one's. 80 MB keeps RSS under 200 MB (the JVM itself
# needs ~110 MB besides the heap); pre-touching keeps RSS flat from the start. Netty's pooled
# allocator made 64 KiB answers ~13% faster than Netty 4.2's default adaptive one.
# Vert.x's own per-request HTTP meters duplicate locci_requests_total; off here, as nginx runs without
# its status module. README "Performance" gives their cost; BENCH_VERTX_HTTP_METRICS=true measures it.
VERTX_HTTP_METRICS=${BENCH_VERTX_HTTP_METRICS:-false}
JAVA_OPTS=${BENCH_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx64m -Xmn40m -XX:+AlwaysPreTouch -Dio.netty.allocator.type=pooled}
ROUTES=${BENCH_ROUTES:-100}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
PORT_BASE=${BENCH_PORT_BASE:-18400}
JAR=${BENCH_JAR:-$ROOT/proxy-cli/target/locci-proxy.jar}
RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}
JFR_SECONDS=${BENCH_JFR_SECONDS:-30}
JFR_BODY=${BENCH_JFR_BODY:-small}
JFR_CONNS=${BENCH_JFR_CONNS:-64}
JFR_INSTANCES=${BENCH_JFR_INSTANCES:-2}
JAVA=${JAVA:-java}
CLK_TCK=$(getconf CLK_TCK)

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Processes: every one is started here, remembered by PID, and stopped by PID at exit.

WORK=$(mktemp -d -t locci-bench.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as an unprivileged user when we are root; they read files here
PIDS=()             # every process started in the background, in start order
EXTRA_PIDS=()       # processes forked by them that must not outlive them (nginx workers)
CREATED_POLICY_RC=0

cleanup() {
  local rc=$? pid i deadline
  trap - EXIT INT TERM
  set +e
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[i]}" 2>/dev/null
  done
  deadline=$((SECONDS + 10))
  for pid in "${PIDS[@]}" "${EXTRA_PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  if [ "$CREATED_POLICY_RC" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then
    log "kept the temporary directory $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME COMMAND...: runs COMMAND in the background with its output in $WORK/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=("$!")
  LAST_PID=$!
}

# children PID: the PIDs of the direct children of PID (nginx workers of a master).
children() {
  local f
  for f in /proc/"$1"/task/*/children; do
    [ -r "$f" ] && cat "$f" 2>/dev/null
  done | tr ' ' '\n' | grep -E '^[0-9]+$' || true
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_http URL PID NAME: waits (at most 60 s) until URL answers 200 while PID lives.
wait_http() {
  local url=$1 pid=$2 name=$3 i code
  for ((i = 0; i < 600; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "X-Bench: 1" "$url" || true)
    [ "$code" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$WORK/$name.log" >&2; die "$name exited during start-up"; }
    sleep 0.1
  done
  tail -n 30 "$WORK/$name.log" >&2
  die "$name did not answer 200 on $url within 60 s"
}

# ---------------------------------------------------------------------------------------------
# Tools: wrk, nginx and haproxy from the distribution; installing them never starts a service.

find_tool() {
  local t
  for t in "$1" "/usr/sbin/$1" "/usr/local/sbin/$1"; do
    if command -v "$t" >/dev/null 2>&1; then command -v "$t"; return 0; fi
  done
  return 1
}

install_tools() {
  local missing=() pkg sudo=
  for pkg in wrk nginx haproxy; do
    find_tool "$pkg" >/dev/null || missing+=("$pkg")
  done
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "${BENCH_NO_INSTALL:-0}" = 1 ] && die "missing: ${missing[*]} (and BENCH_NO_INSTALL=1)"
  command -v apt-get >/dev/null || die "missing: ${missing[*]}; install them (this script knows apt-get only)"
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "missing: ${missing[*]}; run as root or install them"
    sudo=sudo
  fi
  log "installing ${missing[*]} from the distribution"
  # policy-rc.d exit 101 tells the maintainer scripts not to start the services they install.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    CREATED_POLICY_RC=1
  fi
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  if [ "$CREATED_POLICY_RC" = 1 ]; then $sudo rm -f /usr/sbin/policy-rc.d; CREATED_POLICY_RC=0; fi
  # Where systemd ignored policy-rc.d, stop and disable what the packages enabled.
  for pkg in nginx haproxy; do
    if [[ " ${missing[*]} " == *" $pkg "* ]] && command -v systemctl >/dev/null \
        && systemctl is-active --quiet "$pkg" 2>/dev/null; then
      log "the $pkg package started its service; stopping and disabling it"
      $sudo systemctl disable --now "$pkg" >/dev/null 2>&1 || true
    fi
  done
}

build_bench_jar() {
  [ -f "$BENCH_JAR_PATH" ] && return 0
  log "building $BENCH_JAR_PATH (mvn -B -q -Pbench package -DskipTests -pl bench -am)"
  (cd "$ROOT" && mvn -B -q -Pbench package -DskipTests -pl bench -am) >&2
  [ -f "$BENCH_JAR_PATH" ] || die "the build did not produce $BENCH_JAR_PATH"
}

build_jar() {
  [ -f "$JAR" ] && return 0
  log "building $JAR (mvn -B -q package -DskipTests)"
  (cd "$ROOT" && mvn -B -q package -DskipTests) >&2
  [ -f "$JAR" ] || die "the build did not produce $JAR"
}

# ---------------------------------------------------------------------------------------------
# Servers. Ports: $PORT_BASE.. in order; each is checked to be free first.

NEXT_PORT=$PORT_BASE
take_port() {
  while port_in_use "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
  PORT=$NEXT_PORT
  NEXT_PORT=$((NEXT_PORT + 1))
}

ROUTE_WIDTH=$(( ${#ROUTES} > 3 ? ${#ROUTES} : 3 ))
LAST_ROUTE=$(printf "r%0${ROUTE_WIDTH}d" $((ROUTES - 1)))
declare -A BODY_PATH=([small]="/$LAST_ROUTE/small.txt" [64k]="/$LAST_ROUTE/64k.bin")
UPSTREAM_PORTS=()

nginx_common() { # nginx_common DIR: the lines every nginx config here shares
  cat <<EOF
daemon off;
master_process on;
pid $1/nginx.pid;
error_log $1/error.log warn;
EOF
}

nginx_http_common() {
  cat <<EOF
  access_log off;
  client_body_temp_path $1/client_body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  default_type application/octet-stream;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  tcp_nodelay on;
EOF
}

start_nginx() { # start_nginx NAME CONFIG_FILE DIR
  local nginx
  nginx=$(find_tool nginx)
  "$nginx" -t -q -p "$3" -e "$3/error.log" -c "$2" >"$WORK/$1.log" 2>&1 || { cat "$WORK/$1.log" >&2; die "bad nginx config $2"; }
  start "$1" "$nginx" -p "$3" -e "$3/error.log" -c "$2"
}

# The upstream: one nginx with 1 worker on three ports, serving the two static bodies.
start_upstream() {
  local dir="$WORK/upstream" conf listen="" p
  mkdir -p "$dir/www/$LAST_ROUTE"
  head -c 99 /dev/zero | tr '\0' 'x' >"$dir/www/$LAST_ROUTE/small.txt"
  echo >>"$dir/www/$LAST_ROUTE/small.txt"
  head -c 65536 /dev/urandom >"$dir/www/$LAST_ROUTE/64k.bin"
  chmod -R a+rX "$dir"
  for _ in 1 2 3; do
    take_port
    UPSTREAM_PORTS+=("$PORT")
    listen+="    listen 127.0.0.1:$PORT;"$'\n'
  done
  conf="$dir/nginx.conf"
  {
    nginx_common "$dir"
    echo "worker_processes 1;"
    echo "events { worker_connections 8192; }"
    echo "http {"
    nginx_http_common "$dir"
    cat <<EOF
  sendfile on;
  tcp_nopush on;
  open_file_cache max=16 inactive=600s;
  open_file_cache_valid 600s;
  server {
$listen    root $dir/www;
    location / { }
  }
}
EOF
  } >"$conf"
  start_nginx upstream "$conf" "$dir"
  UPSTREAM_PID=$LAST_PID
  for p in "${UPSTREAM_PORTS[@]}"; do wait_http "http://127.0.0.1:$p${BODY_PATH[small]}" "$UPSTREAM_PID" upstream; done
  mapfile -t UPSTREAM_KIDS < <(children "$UPSTREAM_PID")
  EXTRA_PIDS+=("${UPSTREAM_KIDS[@]}")
}

start_nginx_proxy() { # NAME WORKERS PORT
  local dir="$WORK/$1" conf servers="" p
  mkdir -p "$dir"
  for p in "${UPSTREAM_PORTS[@]}"; do servers+="    server 127.0.0.1:$p;"$'\n'; done
  conf="$dir/nginx.conf"
  {
    nginx_common "$dir"
    echo "worker_processes $2;"
    echo "events { worker_connections 8192; }"
    echo "http {"
    nginx_http_common "$dir"
    cat <<EOF
  upstream pool {
$servers    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:$3 reuseport;
    location / {
      proxy_pass http://pool;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
      # A 64 KiB answer fits the buffers: nginx never spills it to a temporary file.
      proxy_buffer_size 16k;
      proxy_buffers 16 16k;
    }
  }
}
EOF
  } >"$conf"
  start_nginx "$1" "$conf" "$dir"
}

start_haproxy() { # NAME THREADS PORT
  local dir="$WORK/$1" conf servers="" p i=0
  mkdir -p "$dir"
  for p in "${UPSTREAM_PORTS[@]}"; do i=$((i + 1)); servers+="  server s$i 127.0.0.1:$p"$'\n'; done
  conf="$dir/haproxy.cfg"
  cat >"$conf" <<EOF
global
  nbthread $2
  maxconn 8000

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option http-keep-alive
  option forwardfor
  http-reuse always

frontend bench
  bind 127.0.0.1:$3
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  default_backend pool

backend pool
  balance roundrobin
$servers
EOF
  "$(find_tool haproxy)" -c -q -f "$conf" >"$WORK/$1.log" 2>&1 || { cat "$WORK/$1.log" >&2; die "bad haproxy config"; }
  start "$1" "$(find_tool haproxy)" -db -f "$conf"
}

locci_config() { # MODE(lb|gw|gwp) PORT FILE
  local p i
  {
    if [ "$1" = lb ]; then echo "mode: load_balancer"; else echo "mode: api_gateway"; fi
    cat <<EOF
server:
  bind_address: "127.0.0.1:$2"
  shutdown_grace_secs: 1
logging:
  level: warn
  access_log: false   # as nginx's "access_log off" above: compare the proxying, not the logging
control_api:
  enabled: false
upstreams:
  pool:
    strategy: round_robin
    servers:
EOF
    for p in "${UPSTREAM_PORTS[@]}"; do echo "      - \"127.0.0.1:$p\""; done
    if [ "$1" = lb ]; then
      printf 'load_balancer:\n  upstream: pool\n'
    else
      # Patterns of equal length are tried in file order: the request path matches the last one only.
      printf 'api_gateway:\n  routes:\n'
      for ((i = 0; i < ROUTES; i++)); do
        printf "    route%0${ROUTE_WIDTH}d:\n      path_pattern: \"^/r%0${ROUTE_WIDTH}d/\"\n      upstream: pool\n" "$i" "$i"
        if [ "$1" = gwp ]; then
          # issue 15's cost check: two header matchers and header rules both ways on every route.
          printf '      match_headers: { X-Bench: "1", Host: "*" }\n'
          printf '      request_headers: { set: { X-Route: "${route}" }, remove: [X-Bench] }\n'
          printf '      response_headers: { set: { X-Served-By: "${upstream}" } }\n'
        fi
      done
    fi
  } >"$3"
}

start_locci() { # NAME MODE(lb|gw) INSTANCES PORT JAVA_OPTS [EXTRA_JVM_FLAG...]
  local name=$1 mode=$2 instances=$3 port=$4 opts
  read -r -a opts <<<"$5"
  shift 5
  locci_config "$mode" "$port" "$WORK/$name.yaml"
  start "$name" env LOCCI_VERTX_HTTP_METRICS="$VERTX_HTTP_METRICS" \
    "$JAVA" "${opts[@]}" "$@" -jar "${JAR_OF_TARGET:-$JAR}" start -c "$WORK/$name.yaml" --instances "$instances"
}

# start_plain_jar NAME PORT: LB mode exactly as a new user starts it: no JVM flag, no --instances, none of
# our environment variables (LOCCI_VERTX_HTTP_METRICS is removed), from an empty working directory (no .env).
start_plain_jar() {
  locci_config lb "$2" "$WORK/$1.yaml"
  mkdir -p "$WORK/$1.cwd"
  start "$1" env -u LOCCI_VERTX_HTTP_METRICS -u JAVA_TOOL_OPTIONS -u JDK_JAVA_OPTIONS -u _JAVA_OPTIONS \
    -C "$WORK/$1.cwd" "$JAVA" -jar "${JAR_OF_TARGET:-$JAR}" -c "$WORK/$1.yaml"
}

start_netty() { # NAME THREADS PORT JAVA_OPTS: NettyProxyServer on the same upstreams
  local opts p ups=()
  read -r -a opts <<<"$4"
  for p in "${UPSTREAM_PORTS[@]}"; do ups+=("127.0.0.1:$p"); done
  start "$1" "$JAVA" "${opts[@]}" -cp "$BENCH_JAR_PATH" cloud.locci.proxy.bench.NettyProxyServer "$3" "$2" "${ups[@]}"
}

start_vhp() { # NAME INSTANCES PORT JAVA_OPTS: VertxHttpProxyServer on the same upstreams
  local opts p ups=()
  read -r -a opts <<<"$4"
  for p in "${UPSTREAM_PORTS[@]}"; do ups+=("127.0.0.1:$p"); done
  start "$1" "$JAVA" "${opts[@]}" -cp "$BENCH_JAR_PATH" cloud.locci.proxy.bench.VertxHttpProxyServer "$3" "$2" "${ups[@]}"
}

# ---------------------------------------------------------------------------------------------
# Measuring: CPU ticks from /proc/<pid>/stat, peak RSS from /proc/<pid>/status, wrk via a Lua done().

cat >"$WORK/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect, e.read, e.write, e.timeout, e.status))
end
EOF

cpu_ticks() { # PID...: utime + stime of the processes (all their threads), in clock ticks
  local p s rest f total=0
  for p in "$@"; do
    s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${s##*) }
    read -r -a f <<<"$rest"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

machine_busy() { # busy clock ticks of the whole machine (all CPUs), from /proc/stat
  local cpu user nice system idle iowait irq softirq steal rest
  read -r cpu user nice system idle iowait irq softirq steal rest </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}

reset_hwm() { local p; for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }

hwm_kb() { # PID...: sum of VmHWM (peak RSS) in kB
  local p total=0 v
  for p in "$@"; do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

declare -A T_PORT T_PID T_KIND T_WORKERS T_VARIANT
TARGET_LIST=()

target_pids() { # NAME: the proxy's processes (main process and its children)
  local pid=${T_PID[$1]:-}
  [ -n "$pid" ] || return 0
  echo "$pid"
  children "$pid"
}

# wrk_run OUT_FILE CONNS DURATION URL: runs wrk (its output also kept in OUT_FILE) and prints its
# output, whose "RESULT ..." line report.lua writes, then "CHILDCPU utime stime": wrk's own CPU ticks,
# read from the cutime/cstime of the shell that waited for it.
wrk_run() {
  local out=$1
  shift
  bash -c 'out=$1; shift; "$@" >"$out" 2>&1; rc=$?; cat "$out"; read -r -a s </proc/$$/stat; echo "CHILDCPU ${s[15]} ${s[16]}"; exit $rc' \
    _ "$out" "$WRK" -t"$WRK_THREADS" -c"$1" -d"$2"s --timeout 5s --latency -H "X-Bench: 1" -s "$WORK/report.lua" "$3"
}

CSV_HEADER="run,rep,target,kind,workers,variant,conns,body,duration_s,requests,rps,p50_ms,p99_ms,errors,proxy_cpu_pct,upstream_cpu_pct,wrk_cpu_pct,machine_cpu_pct,rss_peak_mb,java_opts"

measure() { # NAME CONNS BODY REP
  local name=$1 conns=$2 body=$3 rep=$4 url pids t0 t1 p0 p1 u0 u1 m0 m1 out line
  local req dur p50 p99 ec er ew et es wu ws secs rps errors pcpu ucpu wcpu mcpu rss opts=""
  url="http://127.0.0.1:${T_PORT[$name]}${BODY_PATH[$body]}"
  mapfile -t pids < <(target_pids "$name")
  [ "${T_KIND[$name]}" = direct ] && pids=()
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || die "$name (pid $p) is gone; see its log"; done
  reset_hwm "${pids[@]}"
  t0=$EPOCHREALTIME; p0=$(cpu_ticks "${pids[@]}"); u0=$(cpu_ticks "$UPSTREAM_PID" "${UPSTREAM_KIDS[@]}"); m0=$(machine_busy)
  out=$(wrk_run "$WORK/wrk-last.txt" "$conns" "$DURATION" "$url") || { echo "$out" >&2; die "wrk failed on $url"; }
  t1=$EPOCHREALTIME; p1=$(cpu_ticks "${pids[@]}"); u1=$(cpu_ticks "$UPSTREAM_PID" "${UPSTREAM_KIDS[@]}"); m1=$(machine_busy)
  line=$(grep '^RESULT ' <<<"$out") || { echo "$out" >&2; die "no result from wrk on $url"; }
  read -r _ req dur p50 p99 ec er ew et es <<<"$line"
  read -r _ wu ws <<<"$(grep '^CHILDCPU ' <<<"$out")"
  rss=$(hwm_kb "${pids[@]}")
  is_jvm "$name" && opts=$(java_opts_of "$name")
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  read -r rps p50 p99 pcpu ucpu wcpu mcpu rss < <(awk -v req="$req" -v dur="$dur" -v p50="$p50" -v p99="$p99" \
    -v s="$secs" -v hz="$CLK_TCK" -v pc=$((p1 - p0)) -v uc=$((u1 - u0)) -v wc=$((wu + ws)) -v mc=$((m1 - m0)) \
    -v rss="$rss" -v np="${#pids[@]}" 'BEGIN {
      printf "%.0f %.3f %.3f %s %.1f %.1f %.1f %s\n", req / (dur / 1e6), p50 / 1000, p99 / 1000,
        (np ? sprintf("%.1f", pc / hz / s * 100) : "-"), uc / hz / s * 100, wc / hz / s * 100, mc / hz / s * 100,
        (np ? sprintf("%.1f", rss / 1024) : "-") }')
  [ "$pcpu" = - ] && pcpu=
  [ "$rss" = - ] && rss=
  errors=$((ec + er + ew + et + es))
  echo "$RUN_ID,$rep,$name,${T_KIND[$name]},${T_WORKERS[$name]},${T_VARIANT[$name]},$conns,$body,$DURATION,$req,$rps,$p50,$p99,$errors,$pcpu,$ucpu,$wcpu,$mcpu,$rss,\"$opts\"" >>"$CSV"
  log "rep $rep/$REPS $(printf '%-12s c=%-3s %-5s' "$name" "$conns" "$body") $(printf '%7s req/s  p99 %7s ms  cpu %5s%%  rss %6s MB  errors %s' "$rps" "$p99" "${pcpu:--}" "${rss:--}" "$errors")"
}

jar_of() { # NAME: the proxy jar of a target (BENCH_JAR_<VARIANT>, else BENCH_JAR)
  local var="BENCH_JAR_${T_VARIANT[$1]}"
  if [ -n "${T_VARIANT[$1]}" ] && [ -n "${!var:-}" ]; then echo "${!var}"; else echo "$JAR"; fi
}

is_jvm() { [[ "${T_KIND[$1]}" =~ ^(lb|gw|gwp|jar|vhp|netty)$ ]]; }

java_opts_of() { # NAME: the JVM flags of an lb/gw/vhp/netty target ("(none)" for jar)
  local v=${T_VARIANT[$1]}
  if [ "${T_KIND[$1]}" = jar ]; then
    echo "(none)"
  elif [ -n "$v" ]; then
    local var="BENCH_JAVA_OPTS_$v"
    echo "${!var:-$JAVA_OPTS}"
  else
    echo "$JAVA_OPTS"
  fi
}

# parse_targets: fills TARGET_LIST and T_* from $TARGETS
parse_targets() {
  local spec kind workers variant name copy
  for spec in $TARGETS; do
    copy=
    if [[ "$spec" == *@2 ]]; then copy=@2; spec=${spec%@2}; fi
    IFS=: read -r kind workers variant <<<"$spec"
    workers=${workers:-1}
    case "$kind" in
      direct) workers=1; name=direct ;;
      jar) variant=${variant:-$workers}; [[ "$variant" =~ ^[1-9] ]] && variant=
           workers=$(nproc); name=jar${variant:+:$variant} ;;   # the jar's default: one event loop per CPU; jar:OLD = another build
      nginx|haproxy|lb|gw|gwp|vhp|netty) name="$kind:$workers${variant:+:$variant}" ;;
      *) die "unknown target kind '$kind' in '$spec' (direct, nginx, haproxy, lb, gw, gwp, jar, vhp, netty)" ;;
    esac
    name+=$copy
    [[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "bad worker count in '$spec'"
    if [ -n "$variant" ]; then
      [[ "$variant" =~ ^[A-Za-z0-9_]+$ ]] || die "bad variant name in '$spec'"
      [[ "$kind" == lb || "$kind" == gw || "$kind" == gwp || "$kind" == vhp || "$kind" == netty || "$kind" == jar ]] || die "variants are for lb, gw, vhp, netty and jar targets only ('$spec')"
      local var="BENCH_JAVA_OPTS_$variant" jarvar="BENCH_JAR_$variant"
      [ -n "${!var:-}" ] || [ -n "${!jarvar:-}" ] || die "target '$spec' needs BENCH_JAVA_OPTS_$variant or BENCH_JAR_$variant"
      [ -z "${!jarvar:-}" ] || [ -f "${!jarvar}" ] || die "BENCH_JAR_$variant: no such file: ${!jarvar}"
    fi
    TARGET_LIST+=("$name")
    T_KIND[$name]=$kind
    T_WORKERS[$name]=$workers
    T_VARIANT[$name]=${variant:-}
  done
  [ ${#TARGET_LIST[@]} -gt 0 ] || die "no targets"
}

start_targets() {
  local name kind
  for name in "${TARGET_LIST[@]}"; do
    kind=${T_KIND[$name]}
    if [ "$kind" = direct ]; then
      T_PORT[$name]=${UPSTREAM_PORTS[0]}
      continue
    fi
    take_port
    T_PORT[$name]=$PORT
    case "$kind" in
      nginx) start_nginx_proxy "${name//[:@]/-}" "${T_WORKERS[$name]}" "$PORT" ;;
      haproxy) start_haproxy "${name//[:@]/-}" "${T_WORKERS[$name]}" "$PORT" ;;
      lb|gw|gwp) JAR_OF_TARGET=$(jar_of "$name") start_locci "${name//[:@]/-}" "$kind" "${T_WORKERS[$name]}" "$PORT" "$(java_opts_of "$name")" ;;
      jar) JAR_OF_TARGET=$(jar_of "$name") start_plain_jar "${name//[:@]/-}" "$PORT" ;;
      vhp) start_vhp "${name//[:@]/-}" "${T_WORKERS[$name]}" "$PORT" "$(java_opts_of "$name")" ;;
      netty) start_netty "${name//[:@]/-}" "${T_WORKERS[$name]}" "$PORT" "$(java_opts_of "$name")" ;;
    esac
    T_PID[$name]=$LAST_PID
  done
  for name in "${TARGET_LIST[@]}"; do
    [ "${T_KIND[$name]}" = direct ] && continue
    wait_http "http://127.0.0.1:${T_PORT[$name]}${BODY_PATH[small]}" "${T_PID[$name]}" "${name//[:@]/-}"
    if [ "${T_KIND[$name]}" = nginx ]; then
      mapfile -t kids < <(children "${T_PID[$name]}")
      EXTRA_PIDS+=("${kids[@]}")
    fi
    log "started $name on 127.0.0.1:${T_PORT[$name]} (pid ${T_PID[$name]})"
  done
}

# warm_up: BENCH_WARMUP s of full load on each JVM in turn (split over the bodies), then
# BENCH_PEER_WARMUP s per body on each other target. One JVM at a time: JIT compilation needs the
# requests, and JVMs warmed side by side on 2 cores each got too few of them (measured: the first
# repetitions still rose by 20-30%).
warm_up() {
  local name body nbodies secs
  nbodies=$(wc -w <<<"$BODIES")
  secs=$(( WARMUP / nbodies > 0 ? WARMUP / nbodies : 1 ))
  for name in "${TARGET_LIST[@]}"; do
    is_jvm "$name" || continue
    log "warming up $name: ${WARMUP} s"
    for body in $BODIES; do
      "$WRK" -t"$WRK_THREADS" -c64 -H "X-Bench: 1" -d"$secs"s "http://127.0.0.1:${T_PORT[$name]}${BODY_PATH[$body]}" >/dev/null \
        || die "warm-up of $name failed"
    done
  done
  for name in "${TARGET_LIST[@]}"; do
    is_jvm "$name" && continue
    log "warming up $name: ${PEER_WARMUP} s per body"
    for body in $BODIES; do
      "$WRK" -t"$WRK_THREADS" -c64 -H "X-Bench: 1" -d"$PEER_WARMUP"s "http://127.0.0.1:${T_PORT[$name]}${BODY_PATH[$body]}" >/dev/null \
        || die "warm-up of $name failed"
    done
  done
}

versions() {
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (dirty)')"
  echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wrk: $("$WRK" -v 2>&1 | awk 'NR == 1' | cut -d' ' -f1-2)"
  echo "nginx: $("$(find_tool nginx)" -v 2>&1 | sed 's/.*: //')"
  echo "haproxy: $("$(find_tool haproxy)" -v 2>&1 | awk 'NR == 1' | cut -d' ' -f1-3)"
  echo "java: $("$JAVA" -version 2>&1 | awk 'NR == 1')"
  echo "locci-proxy JVM flags: $JAVA_OPTS; LOCCI_VERTX_HTTP_METRICS=$VERTX_HTTP_METRICS (lb, gw; vhp, netty: the same flags)"
  echo "jar targets: java -jar $(basename "$JAR") -c FILE, no flag, no environment variable (Vert.x HTTP meters on, the default)"
  echo "parameters: BENCH_REPS=$REPS BENCH_DURATION=$DURATION BENCH_WARMUP=$WARMUP BENCH_PEER_WARMUP=$PEER_WARMUP BENCH_CONNS=\"$CONNS\" BENCH_BODIES=\"$BODIES\" BENCH_ROUTES=$ROUTES BENCH_WRK_THREADS=$WRK_THREADS"
  echo "targets: $TARGETS"
}

gc_report() { # jstat of every JVM: young/full collections over the whole run
  command -v jstat >/dev/null || return 0
  local name
  echo
  echo "GC over the whole run (jstat -gcutil at the end: O old generation % full, YGC/FGC young/full collections, YGCT/FGCT/GCT seconds):"
  for name in "${TARGET_LIST[@]}"; do
    is_jvm "$name" || continue
    printf '  %-12s %s\n' "$name" "$(jstat -gcutil "${T_PID[$name]}" 2>/dev/null | awk 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i } NR == 2 { for (i = 1; i <= NF; i++) if (h[i] ~ /^(O|YGC|YGCT|FGC|FGCT|GCT)$/) printf "%s=%s ", h[i], $i }')"
  done
}

loops_report() { # CPU seconds of each event-loop thread of every JVM over the whole run
  local name task
  echo
  echo "Event loops over the whole run (CPU seconds of each vert.x-eventloop thread, netty-eventloop for netty targets; one busy and the others idle means one loop served everything):"
  for name in "${TARGET_LIST[@]}"; do
    is_jvm "$name" || continue
    printf '  %-12s' "$name"
    for task in /proc/"${T_PID[$name]}"/task/*; do
      # comm is field 2 and has no space here; utime and stime are fields 14 and 15, in clock ticks.
      awk -v hz="$(getconf CLK_TCK)" '$2 ~ /^\((vert\.x-eventloo|netty-eventloop)/ { printf " %.1f", ($14 + $15) / hz }' "$task/stat" 2>/dev/null
    done
    echo
  done
}

# ---------------------------------------------------------------------------------------------

run_bench() {
  parse_targets
  local need_java=0 name
  for name in "${TARGET_LIST[@]}"; do
    [[ "${T_KIND[$name]}" =~ ^(lb|gw|gwp|jar)$ ]] && need_java=1
    [[ "${T_KIND[$name]}" =~ ^(vhp|netty)$ ]] && build_bench_jar
  done
  [ $need_java = 1 ] && build_jar
  mkdir -p "$RESULTS_DIR"
  RUN_ID=$(date +%Y%m%d-%H%M%S)
  local base="$RESULTS_DIR/$RUN_ID"
  [ "$MODE" = quick ] && base="$RESULTS_DIR/quick-$RUN_ID"
  CSV="$base.csv"
  echo "$CSV_HEADER" >"$CSV"
  local cells=$(( $(wc -w <<<"$CONNS") * $(wc -w <<<"$BODIES") ))
  log "plan: ${#TARGET_LIST[@]} targets x $cells cells x $REPS reps x ${DURATION} s, after ${WARMUP} s of warm-up per JVM"
  start_upstream
  log "upstream nginx (1 worker) on ports ${UPSTREAM_PORTS[*]} (pid $UPSTREAM_PID)"
  start_targets
  warm_up
  local rep conns body
  for ((rep = 1; rep <= REPS; rep++)); do
    for conns in $CONNS; do
      for body in $BODIES; do
        for name in "${TARGET_LIST[@]}"; do
          measure "$name" "$conns" "$body" "$rep"
        done
      done
    done
  done
  {
    versions
    echo
    awk -F, -f "$BENCH_DIR/summary.awk" "$CSV"
    gc_report
    loops_report
    echo
    echo "raw results: ${CSV#"$ROOT"/}"
    echo "reproduce: $( [ "$MODE" = quick ] && echo 'bench/run.sh --quick' || echo 'bench/run.sh' )$( [ "${FOCUS:-0}" = 1 ] && echo ' --focus') (or make bench); env: BENCH_TARGETS=\"$TARGETS\" BENCH_CONNS=\"$CONNS\" BENCH_REPS=$REPS BENCH_DURATION=$DURATION BENCH_WARMUP=$WARMUP BENCH_JAVA_OPTS=\"$JAVA_OPTS\" BENCH_VERTX_HTTP_METRICS=$VERTX_HTTP_METRICS"
  } | tee "$base.txt"
}

run_jfr() {
  build_jar
  command -v jfr >/dev/null || die "jfr (from the JDK) is not on PATH"
  mkdir -p "$RESULTS_DIR"
  RUN_ID=$(date +%Y%m%d-%H%M%S)
  local base="$RESULTS_DIR/jfr-$RUN_ID-lb$JFR_INSTANCES-$JFR_BODY-c$JFR_CONNS" name=lb-jfr pid url recording
  start_upstream
  take_port
  start_locci "$name" lb "$JFR_INSTANCES" "$PORT" "$JAVA_OPTS"
  pid=$LAST_PID
  url="http://127.0.0.1:$PORT${BODY_PATH[$JFR_BODY]}"
  wait_http "$url" "$pid" "$name"
  log "warming up $name (instances $JFR_INSTANCES): ${WARMUP} s"
  "$WRK" -t"$WRK_THREADS" -c"$JFR_CONNS" -d"$WARMUP"s "$url" >/dev/null
  recording="$WORK/profile.jfr"
  jcmd "$pid" JFR.start name=bench settings=profile filename="$recording" >/dev/null
  log "recording ${JFR_SECONDS} s under wrk -c$JFR_CONNS on $url"
  local out
  out=$(wrk_run "$WORK/wrk-jfr.txt" "$JFR_CONNS" "$JFR_SECONDS" "$url")
  jcmd "$pid" JFR.stop name=bench >/dev/null
  cp "$recording" "$base.jfr"
  local req dur
  read -r _ req dur _ <<<"$(grep '^RESULT ' <<<"$out")"
  {
    echo "JFR profile: locci-proxy LB mode, --instances $JFR_INSTANCES, body $JFR_BODY, wrk -t$WRK_THREADS -c$JFR_CONNS, ${JFR_SECONDS} s after ${WARMUP} s of warm-up"
    echo "JVM flags: $JAVA_OPTS; LOCCI_VERTX_HTTP_METRICS=$VERTX_HTTP_METRICS; jar $JAR (checkout at commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))"
    echo "wrk: $req requests in $(awk -v d="$dur" 'BEGIN { printf "%.1f", d / 1e6 }') s = $(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.0f", r / (d / 1e6) }') req/s (while recording)"
    echo
    bash "$BENCH_DIR/jfr-top.sh" "$base.jfr" "$req"
    echo
    echo "recording: ${base#"$ROOT"/}.jfr (not committed; open it in JDK Mission Control)"
    echo "reproduce: BENCH_JFR_BODY=$JFR_BODY BENCH_JFR_CONNS=$JFR_CONNS BENCH_JFR_INSTANCES=$JFR_INSTANCES BENCH_JFR_SECONDS=$JFR_SECONDS bench/run.sh --jfr"
  } | tee "$base.txt"
}

install_tools
WRK=$(find_tool wrk)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
case "$MODE" in
  bench|quick) run_bench ;;
  jfr) run_jfr ;;
esac
