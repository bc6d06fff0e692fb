// Package spark runs the heavy part of a run, the user list files, on an
// Apache Spark cluster driven over Spark Connect: Spark reads the list files
// as text, numbers their lines, applies the cleaning rules of the dataset
// package in Spark SQL, and writes the clean entries, the rejects and the
// per-file counts as Parquet under a stage location. animetl then ingests
// that Parquet into the configured warehouse's stage, so the ledger, the
// checks and the atomic publish are the local engine's.
//
// The Spark Connect client is experimental; the package reaches it only
// through Session (client.go holds the one implementation), so it can be
// replaced without touching the engine.
package spark

import (
	"context"
	"errors"
)

// Session is what the engine needs of a Spark Connect session.
type Session interface {
	// Exec runs one SQL statement for its effect (CREATE VIEW, CTAS, DROP).
	Exec(ctx context.Context, sql string) error
	// Query runs one SQL query and returns its rows as Go values: int64,
	// float64, string, bool, []byte or nil. It is for small results only
	// (counts, checks): every row travels to the driver and to animetl.
	Query(ctx context.Context, sql string) ([][]any, error)
	// Close ends the session; the server keeps running.
	Close() error
}

// ErrUnavailable is wrapped by errors that say the Spark Connect server
// could not be reached (down, wrong address, died mid-run).
var ErrUnavailable = errors.New("spark connect server unavailable")

// Error is a failure Spark reported: its error class (such as
// "PATH_NOT_FOUND" or "UNRESOLVED_COLUMN.WITH_SUGGESTION") and the first
// line of its message, without the plan or the JVM stack.
type Error struct {
	Class   string
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Class == "" {
		return "spark: " + e.Message
	}
	return "spark: [" + e.Class + "] " + e.Message
}
