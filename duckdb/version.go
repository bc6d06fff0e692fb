package duckdb

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/duckdb/duckdb-go/v2" // the driver of sql.Open("duckdb")
)

// LibraryVersion returns the version of the DuckDB library linked into the
// binary ("v1.5.0"), asked of an in-memory database.
func LibraryVersion(ctx context.Context) (string, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "", fmt.Errorf("duckdb: version: %w", err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", fmt.Errorf("duckdb: version: %w", err)
	}
	return v, nil
}
