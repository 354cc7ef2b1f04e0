# Locci Proxy for the JVM: build, test and demo recipes.
# Demo processes run in the background; their PIDs are kept in .run/*.pid and `make stop` kills
# exactly those PIDs (never processes found by name). Logs are in .run/*.log.

JAR      := proxy-cli/target/locci-proxy.jar
DEMO_JAR := examples/target/demo-upstream.jar
RUN      := .run
PROXY    := http://localhost:8484
CONTROL  := http://127.0.0.1:8485
CONFIG   ?= config.yaml
JAVA     ?= java
# The control API key for `make status` (the demo configs set none); LOCCI_API_KEY is the CLI's variable.
API_KEY  ?= $(LOCCI_API_KEY)

.PHONY: help build test run demo-lb demo-gateway demo-grpc curl-lb curl-gateway call-grpc status stop bench

help:
	@echo "make demo-lb       build, start 3 demo upstreams + the proxy in load_balancer mode, show round robin"
	@echo "make demo-gateway  build, start 3 demo services + the proxy in api_gateway mode, show routing"
	@echo "make demo-grpc     build, start 2 gRPC demo greeters + the proxy (h2c), make gRPC calls through it"
	@echo "make test          run every test (mvn -B verify)"
	@echo "make build         build proxy-cli/target/locci-proxy.jar and the demo upstream jar"
	@echo "make run           run the proxy in the foreground with CONFIG (default: config.yaml)"
	@echo "make curl-lb       6 requests to /instance through the running LB demo"
	@echo "make curl-gateway  one request per route through the running gateway demo"
	@echo "make call-grpc     gRPC calls through the running gRPC demo (NAME=World)"
	@echo "make status        ask the running proxy's control API for status, upstreams and routes (API_KEY=...)"
	@echo "make stop          stop every process a demo started (by PID)"
	@echo "make bench         benchmark against nginx and HAProxy over loopback, under 10 min (bench/README.md)"

build:
	mvn -B -q package -DskipTests

test:
	mvn -B verify

# Installs wrk, nginx and haproxy (apt-get) if missing; BENCH_* variables tune it (bench/README.md).
# bench/h2.sh is the HTTP/2 row (h2load, nghttpd, nginx grpc_pass; nghttp2-client/-server installed).
bench:
	bench/run.sh
	bench/h2.sh

run: $(JAR)
	$(JAVA) -jar $(JAR) -c $(CONFIG)

$(JAR) $(DEMO_JAR):
	$(MAKE) build

# start NAME COMMAND...: runs COMMAND in the background, remembers its PID in .run/NAME.pid
define start
	@mkdir -p $(RUN)
	@nohup $(2) > $(RUN)/$(1).log 2>&1 & echo $$! > $(RUN)/$(1).pid
	@echo "started $(1) (pid $$(cat $(RUN)/$(1).pid), log $(RUN)/$(1).log)"
endef

# wait_for URL: polls until the URL answers (at most ~30 s), else shows the logs and fails
define wait_for
	@for i in $$(seq 1 150); do curl -s -o /dev/null $(1) && exit 0; sleep 0.2; done; \
	  echo "$(1) did not answer; logs:"; tail -n 20 $(RUN)/*.log; exit 1
endef

# wait_listening: polls the proxy's log for its "listening" line (a request would move the rotation)
define wait_listening
	@for i in $$(seq 1 150); do grep -q "listening on" $(RUN)/proxy.log && exit 0; \
	  kill -0 $$(cat $(RUN)/proxy.pid) 2>/dev/null || break; sleep 0.2; done; \
	  echo "the proxy did not start; its log:"; cat $(RUN)/proxy.log; exit 1
endef

demo-lb: build stop
	$(call start,upstreams,$(JAVA) -jar $(DEMO_JAR) \
	  --instance server-1:3001:examples/json-server/db-lb.json \
	  --instance server-2:3002:examples/json-server/db-lb.json \
	  --instance server-3:3003:examples/json-server/db-lb.json)
	$(call wait_for,http://127.0.0.1:3003/health)
	$(call start,proxy,$(JAVA) -jar $(JAR) -c examples/config-lb.yaml)
	$(call wait_listening)
	@$(MAKE) --no-print-directory curl-lb
	@echo "The demo keeps running: try curl $(PROXY)/users; 'make stop' stops it."

demo-gateway: build stop
	$(call start,upstreams,$(JAVA) -jar $(DEMO_JAR) \
	  --instance users-service:3001:examples/json-server/db-users.json \
	  --instance products-service:3002:examples/json-server/db-products.json \
	  --instance web-service:3003:examples/json-server/db-web.json)
	$(call wait_for,http://127.0.0.1:3003/health)
	$(call start,proxy,$(JAVA) -jar $(JAR) -c examples/config-gateway.yaml)
	$(call wait_listening)
	@$(MAKE) --no-print-directory curl-gateway
	@echo "The demo keeps running; 'make stop' stops it."

# The gRPC demo greeter and its client are classes of the demo jar (Vert.x only; no grpcurl needed).
GREETER := $(JAVA) -cp $(DEMO_JAR) cloud.locci.proxy.examples.grpc
NAME    ?= World

demo-grpc: build stop
	$(call start,greeters,$(GREETER).GreeterServer greeter-1:50051 greeter-2:50052)
	@for i in $$(seq 1 150); do grep -q "greeter-2 listening" $(RUN)/greeters.log && exit 0; sleep 0.2; done; \
	  echo "the greeters did not start; their log:"; cat $(RUN)/greeters.log; exit 1
	$(call start,proxy,$(JAVA) -jar $(JAR) -c examples/config-grpc.yaml)
	$(call wait_listening)
	@$(MAKE) --no-print-directory call-grpc
	@echo "The demo keeps running: try $(GREETER).GreeterClient 127.0.0.1:8484 You; 'make stop' stops it."

call-grpc:
	@echo "gRPC calls over h2c through the proxy (round robin over greeter-1 and greeter-2):"
	@for i in 1 2; do $(GREETER).GreeterClient 127.0.0.1:8484 "$(NAME)"; done
	@echo "An empty name: the greeter's own error status, relayed with its message:"
	@$(GREETER).GreeterClient 127.0.0.1:8484 "" || true
	@echo "A service no route matches: the proxy's own answer, as a gRPC status:"
	@$(GREETER).GreeterClient 127.0.0.1:8484 "$(NAME)" /helloworld.Unknown/SayHello || true

curl-lb:
	@echo "Firing 6 requests - watch the instance cycle: server-1 -> server-2 -> server-3 -> ..."
	@for i in 1 2 3 4 5 6; do \
	  curl -s $(PROXY)/instance | sed -E "s/.*\"id\":\"([^\"]+)\".*\"port\":([0-9]+).*/  request $$i -> \1 (:\2)/"; echo; \
	done

curl-gateway:
	@for path in /users /products/2 /pages /nothing-here; do \
	  echo "GET $$path -> $$(curl -s -D - -o /dev/null $(PROXY)$$path | tr -d '\r' | grep -iE '^(HTTP/|x-upstream-id:|x-locci-reason:)' | tr '\n' ' ')"; \
	  echo "   $$(curl -s $(PROXY)$$path | cut -c1-110)"; \
	done

status:
	@for path in status upstreams routes; do \
	  echo "GET $(CONTROL)/api/v1/$$path"; \
	  curl -sS --fail-with-body $(if $(API_KEY),-H "Authorization: Bearer $(API_KEY)") $(CONTROL)/api/v1/$$path \
	    || { echo; echo "the control API at $(CONTROL) failed (is a demo running? make demo-gateway; is API_KEY right?)"; exit 1; }; \
	  echo; \
	done

stop:
	@for f in $(RUN)/*.pid; do \
	  [ -f "$$f" ] || continue; pid=$$(cat $$f); \
	  if kill -0 $$pid 2>/dev/null; then kill $$pid && echo "stopped $$(basename $$f .pid) (pid $$pid)"; fi; \
	  rm -f $$f; \
	done
