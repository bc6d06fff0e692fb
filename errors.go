package animetl

import "errors"

// Sentinel errors callers inspect with errors.Is. Adapters wrap them with
// context ("s3: list s3://b/p: missing anime.csv: %w").
var (
	// ErrMissingFile means a required source file is absent; the run fails
	// before loading anything.
	ErrMissingFile = errors.New("required source file missing")
	// ErrSourceLayout means the source holds an entry that cannot be read as
	// it stands: a file present both plain and compressed, a delta folder of
	// a date that does not exist, a link that leads out of the source folder.
	// The message names the entries; the run fails before loading anything.
	ErrSourceLayout = errors.New("bad source layout")
	// ErrHeader means a file's header lacks a required column or cannot be read.
	ErrHeader = errors.New("bad header")
	// ErrChecks means a quality check of error severity failed; nothing was published.
	ErrChecks = errors.New("quality check failed")
	// ErrLocked means another run holds the warehouse's run lock.
	ErrLocked = errors.New("warehouse locked by another run")
	// ErrNotFound means the warehouse has no published data yet.
	ErrNotFound = errors.New("not found")
	// ErrReadOnly means a statement given to a read-only query would write,
	// change a setting, or reach outside the warehouse; it did not run.
	ErrReadOnly = errors.New("read-only: only a single SELECT may run")
	// ErrConfig means a setting is invalid; the message names the field and value.
	ErrConfig = errors.New("invalid configuration")
)
