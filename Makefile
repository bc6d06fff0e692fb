.PHONY: test bench build demo vet fmt

# The whole suite: vet, unit and integration tests (PostgreSQL included,
# started when missing), bounded fuzzing.
test:
	bash scripts/test.sh

# Speed and memory against the database floors (BENCH_ROWS, default 8M).
bench:
	bash scripts/bench.sh

build:
	go build -o bin/animetl ./cmd/animetl

demo:
	go run ./cmd/animetl demo

vet:
	go vet ./...

fmt:
	gofmt -w .
