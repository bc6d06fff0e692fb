.PHONY: test bench bench-spark bench-serve bench-rec build demo vet fmt

# The whole suite: vet, unit and integration tests (PostgreSQL included,
# started when missing), bounded fuzzing.
test:
	bash scripts/test.sh

# Speed and memory against the database floors (BENCH_ROWS, default 8M).
bench:
	bash scripts/bench.sh

# The Spark engine's scaling curve: 1M, 4M, 8M rows (BENCH_SPARK_ROWS) on
# Spark Connect local[1] and local[2], the local engine beside it:
# bench/spark.json.
bench-spark:
	bash scripts/bench_spark.sh

# animetl serve under 100 and 500 clients while a run publishes, and pgbench
# beside it (BENCH_ROWS, default 8M): bench/serve.json.
bench-serve:
	bash scripts/bench_serve.sh

# animetl's ALS against the implicit library's (PyPI, benchmark only) on one
# split, and animetl evaluate of every model (BENCH_ROWS, default 8M):
# bench/rec.json.
bench-rec:
	bash scripts/bench_rec.sh

build:
	go build -o bin/animetl ./cmd/animetl

demo:
	go run ./cmd/animetl demo

vet:
	go vet ./...

fmt:
	gofmt -w .
