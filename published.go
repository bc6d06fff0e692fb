package animetl

import (
	"context"
	"errors"
	"time"
)

// ErrStale means the published state changed while a Snapshot was being
// read, and the snapshot cannot promise that its answers come from one
// state. The reader opens a new Snapshot and asks again.
var ErrStale = errors.New("published state changed during the snapshot")

// PublishedRun names the published state: the latest succeeded run in
// etl_run, and when it finished (published).
type PublishedRun struct {
	RunID string
	At    time.Time
}

// Snapshot reads one published state: every statement run through it sees
// the same published run, and a publish never shows half-way. A Snapshot is
// not safe for concurrent use; read each result whole (or close it) before
// the next Query. Close it when done: it holds a connection, a transaction
// and locks that a publish waits for.
type Snapshot interface {
	Querier
	// Run is the published run the snapshot reads.
	Run() PublishedRun
	// Close ends the snapshot. It is safe to call more than once.
	Close() error
}

// Publication is the read side of a warehouse for a long-lived reader such
// as the HTTP server: the published run, cheap to ask per request, and
// snapshots of the published state.
type Publication interface {
	// Published returns the published run. Implementations cache it and
	// notice a publish by a cheap signal (a notification, a file's inode),
	// so it can be called on every request. It fails with ErrNotFound when
	// nothing is published yet; any other error means the warehouse is
	// unreachable or unreadable now.
	Published(ctx context.Context) (PublishedRun, error)
	// Snapshot opens a snapshot of the published state. It fails with
	// ErrNotFound when nothing is published yet. A Snapshot's Query may fail
	// with ErrStale when the engine cannot hold a state across a publish;
	// the caller then opens a new snapshot and asks again.
	Snapshot(ctx context.Context) (Snapshot, error)
	// Dialect names the engine: "duckdb" or "postgres".
	Dialect() string
	// Close releases connections and stops background work.
	Close() error
}

// PoolStats describe a Publication's connection pool, for metrics. A
// Publication with a bounded pool implements PoolStatser.
type PoolStats struct {
	MaxConns      int64
	TotalConns    int64
	AcquiredConns int64
	IdleConns     int64
	// AcquireCount counts connections handed out; EmptyAcquireCount those
	// that had to wait for one; AcquireDuration is the total time spent
	// acquiring.
	AcquireCount      int64
	EmptyAcquireCount int64
	AcquireDuration   time.Duration
}

// PoolStatser is implemented by Publications that pool connections.
type PoolStatser interface {
	PoolStats() PoolStats
}
