package main

import (
	"encoding/json"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

// whKind is a warehouse backend the CLI tests run against.
type whKind struct {
	name string
	spec func(t *testing.T) string // a fresh, empty warehouse
}

// warehouses returns DuckDB, and PostgreSQL when ANIMETL_TEST_POSTGRES is set.
func warehouses(t *testing.T) []whKind {
	out := []whKind{{name: "duckdb", spec: duckWarehouse}}
	if os.Getenv("ANIMETL_TEST_POSTGRES") == "" {
		t.Log("PostgreSQL cases skipped: set ANIMETL_TEST_POSTGRES (make test does)")
		return out
	}
	return append(out, whKind{name: "postgres", spec: pgWarehouse})
}

var pgDatabases atomic.Int64

// pgWarehouse creates an empty database for one test and returns its URL.
func pgWarehouse(t *testing.T) string {
	t.Helper()
	return contract.NewPostgresDB(t)
}

// decodeOne parses out as exactly one JSON object and nothing after it.
func decodeOne(t *testing.T, out string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%q", err, out)
	}
	if rest := strings.TrimSpace(out[dec.InputOffset():]); rest != "" {
		t.Fatalf("stdout holds more after the object: %q", rest)
	}
	return obj
}
