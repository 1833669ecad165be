# The two commands a newcomer needs: `make run` and `make test`.
GO ?= go
ADDR ?= 127.0.0.1:8080

.PHONY: run test check fmt vet staticcheck tidy gotest fuzz bench build frontend frontend-test vulncheck

## run: start citygrid on http://$(ADDR) with an embedded Redis and the simulator feeding Suzhou
run: frontend
	$(GO) run ./cmd/citygrid -addr $(ADDR) -simulate

## test: every check and every test, as CI runs them
test: frontend check gotest fuzz frontend-test

## frontend: build the browser bundle into frontend/dist (embedded by go build)
frontend:
	@if [ ! -f frontend/node_modules/.package-lock.json ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then \
		cd frontend && npm ci --no-audit --no-fund; \
	fi
	cd frontend && npm run build

## frontend-test: type-check, unit-test and browser-test the frontend
frontend-test: frontend
	cd frontend && npx tsc --noEmit
	cd frontend && npx vitest run
	cd frontend && npx vitest run --config vitest.e2e.config.ts

check: fmt vet staticcheck tidy

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

## tidy: go.mod and go.sum say exactly what the code imports (a direct import marked indirect fails)
tidy:
	$(GO) mod tidy -diff

gotest:
	$(GO) test -race -count=1 ./...

## fuzz: a short run of each fuzz target over its committed seed corpus and beyond
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzIncidents$$' -fuzztime=10s ./feed
	$(GO) test -run='^$$' -fuzz='^FuzzPositions$$' -fuzztime=5s ./feed
	$(GO) test -run='^$$' -fuzz='^FuzzSubscribe$$' -fuzztime=5s ./hub

## bench: one load session against a real redis-server (cmd/loadbench; about 5 minutes), results in bench/results
bench:
	$(GO) run ./cmd/loadbench -out bench/results $(BENCHFLAGS)

.PHONY: bench-quick bench-fold bench-go
## bench-quick: the same session at a small size (about 3 minutes)
bench-quick:
	$(GO) run ./cmd/loadbench -quick -out bench/results $(BENCHFLAGS)

## bench-fold: the heat fold's memory for a full 24 h window at 3,000 events/s, on a simulated clock (about 20 minutes)
bench-fold:
	$(GO) run ./cmd/loadbench -fold-only -out bench/results $(BENCHFLAGS)

## bench-go: the hot paths' Go benchmarks
bench-go:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

.PHONY: attack
# ATTACKS are the tests that attack a server on loopback, as docs/SECURITY.md
# lists them; each records a row of the table (cmd/citygrid/attack_test.go).
ATTACKS = TestIdleConnectionsCannotTakeTheServerDown|TestBadKeysMeetTheRateLimitAndDoNotFloodTheAudit|TestSignInsAreThrottledPerAccount|TestFeedKeysAreBoundToTheirSource|TestVehicleKeysAreBoundToTheirUnits|TestRemovedAndLoweredPeopleLoseWhatTheyHad|TestRevokedCredentialsCloseTheirWebsockets|TestARedisThatLostItsDataIsNoticedAndTheStateRebuilt|TestALostReplyIsNotAnsweredWithDuplicates|TestUploadedRegionsReachEveryNodeAndOutliveARestart|TestOpenModeRefusesCrossSiteChanges|TestSmallerHolesAreClosed|TestIncidentsOfAQuietCellInABusyShardReadOnlyTheirs

## attack: the attacks of issue 14 against servers on loopback (own redis-servers; about 40 s), as a table of attack, expected, observed
attack:
	@table=$$(mktemp); \
	CITYGRID_ATTACK_TABLE=$$table $(GO) test -count=1 -run '^($(ATTACKS))$$' ./cmd/citygrid >$$table.log 2>&1; rc=$$?; \
	cat $$table; if [ $$rc -ne 0 ]; then tail -40 $$table.log; fi; rm -f $$table $$table.log; exit $$rc

build:
	$(GO) build -o bin/citygrid ./cmd/citygrid
	$(GO) build -o bin/feedsim ./cmd/feedsim

## vulncheck: govulncheck against the Go vulnerability database taken from the
## module proxy (golang.org/x/vulndb), since vuln.go.dev is not reachable here
VULNDB ?= v0.0.0-20261105234957-e22db6528018
vulncheck:
	@d=$$(mktemp -d) && \
	osv=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB) | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/data/osv && \
	$(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB) -vulns $$osv -out $$d/db && \
	$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 -db file://$$d/db ./...
