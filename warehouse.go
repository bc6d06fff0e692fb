package animetl

import (
	"context"
	"time"
)

// Mode says how a run treats the user lists: rebuild everything, or apply
// only the delta files not applied yet.
type Mode string

// The run modes.
const (
	ModeFull        Mode = "full"
	ModeIncremental Mode = "incremental"
)

// RunInfo identifies a run to the warehouse's lock and ledger.
type RunInfo struct {
	ID        string
	Mode      Mode
	Source    string // redacted, as Source.String gives it
	Host      string
	PID       int
	StartedAt time.Time
}

// FileLoad is one source file as a run loads it. The stage assigns ID in
// AddFile; the pipeline fills RowsRead and Checksum once the file was read whole.
type FileLoad struct {
	ID   int16
	Kind Kind
	Info FileInfo
	// Date is the day of a delta file (YYYY-MM-DD), empty for base files.
	Date     string
	RowsRead int64
	Checksum string // "sha256:<hex>" of the bytes read
}

// Querier runs read-only SQL. Both the published warehouse and a run's stage
// are Queriers, so quality checks run the same SQL on either.
type Querier interface {
	// Query runs one statement with positional arguments ($1, $2, ...).
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
}

// ConcurrentQuerier is a Querier that may answer several queries at once,
// each on a connection of its own: the quality checks then run the passes
// of a check (a hash of keys per range of users) side by side. An engine
// whose own parallelism serves such small queries badly (DuckDB's, on a
// pass of 131,072 keys) does better with one thread per query and as many
// queries at once as it had threads.
type ConcurrentQuerier interface {
	Querier
	// Concurrently readies the querier for queries at once and returns how
	// many to run at a time (1 or less: one after another) and a function
	// that undoes what it changed, to call once they are done.
	Concurrently(ctx context.Context) (n int, done func() error, err error)
}

// Rows iterates a query result. Values returns driver-neutral Go values:
// int64, float64, string, bool, time.Time, []byte or nil.
type Rows interface {
	Columns() []string
	Next() bool
	Values() ([]any, error)
	Err() error
	Close() error
}

// IntRows is implemented by Rows that can read a row of integer columns
// without boxing each value: the fast path of bulk readers such as the
// recommenders' (8M rows a run). Callers fall back to Values when a Rows
// does not implement it.
type IntRows interface {
	// ScanInts reads the current row into dst, one element per column; every
	// column must be an integer that is not NULL.
	ScanInts(dst []int64) error
}

// Warehouse is an analytics store a run loads into and readers query. The
// published state changes only through a Stage's Publish, all at once.
type Warehouse interface {
	Querier
	// Begin takes the warehouse's run lock (waiting up to the configured lock
	// timeout, then failing with ErrLocked), records the run as running where
	// the engine allows, and opens a fresh staging area. The caller ends the
	// stage with exactly one of Publish or Abort.
	Begin(ctx context.Context, run RunInfo) (Stage, error)
	// Dialect names the engine: "duckdb" or "postgres".
	Dialect() string
	// Close releases connections. It does not publish anything.
	Close() error
}

// Stage is a run's private staging area. Readers of the warehouse never see
// it; Publish swaps it in atomically, Abort discards it and leaves the
// published state exactly as it was.
type Stage interface {
	Querier
	// AddFile registers a source file in the run's ledger and assigns f.ID.
	AddFile(ctx context.Context, f *FileLoad) error
	// LoadStatuses, LoadAnime, LoadSynopses and LoadList consume batches
	// until in is closed or ctx is done. The batches belong to the stage once sent.
	LoadStatuses(ctx context.Context, f *FileLoad, in <-chan []WatchingStatus) error
	LoadAnime(ctx context.Context, f *FileLoad, in <-chan []Anime) error
	LoadSynopses(ctx context.Context, f *FileLoad, in <-chan []Synopsis) error
	LoadList(ctx context.Context, f *FileLoad, in <-chan []ListEntry) error
	// LoadDeletes consumes the lines of a deletes file; the entries they name
	// are removed in Finalize, after the upserts of the same day.
	LoadDeletes(ctx context.Context, f *FileLoad, in <-chan []ListDelete) error
	// LoadRejects stores rejected and duplicate lines until in is closed. It
	// runs alongside the loaders for the whole load phase.
	LoadRejects(ctx context.Context, in <-chan []RowError) error
	// FinishFile records what was read of f (RowsRead, Checksum).
	FinishFile(ctx context.Context, f *FileLoad) error
	// Finalize removes repeated list entries (first occurrence wins within a
	// file; a later file wins over an earlier one), applies the deletes and,
	// in incremental runs, merges the deltas into the published user_anime;
	// then builds dimensions,
	// bridges, inferred catalogue entries, marts, views and keys, creates the
	// recommendation tables (carrying the published ones over, see
	// FinalizeOptions.Recommend), and returns the per-file counts as the
	// database measured them.
	Finalize(ctx context.Context, opts FinalizeOptions) ([]FileSummary, error)
	// LoadUserRecs replaces the stage's rec_user with the batches of in,
	// consumed until in is closed or ctx is done, and records m as the
	// table's rec_model row. LoadSimilarRecs does the same for rec_similar.
	// Both stream in bulk (DuckDB's appender, PostgreSQL's binary COPY).
	LoadUserRecs(ctx context.Context, m RecModel, in <-chan []UserRec) error
	LoadSimilarRecs(ctx context.Context, m RecModel, in <-chan []SimilarRec) error
	// RecordChecks stores check results in the run's ledger.
	RecordChecks(ctx context.Context, results []CheckResult) error
	// Publish makes the stage the published state in one atomic step and
	// records the run as succeeded. On error nothing was published.
	Publish(ctx context.Context, summary *RunSummary) error
	// Abort discards the stage, records the run as failed with its summary,
	// and releases the lock. It is safe to call after a failed Publish.
	Abort(ctx context.Context, summary *RunSummary) error
}

// FinalizeOptions tune the marts a run builds.
type FinalizeOptions struct {
	// PriorRatings is the weight m of the Bayesian rating_weighted in
	// anime_stats: (sum + m*C) / (ratings + m), C the mean of all ratings.
	PriorRatings int
	// BaseCounts, when not nil, are the per-anime, per-status counts of the
	// base list file's entries, counted by the pipeline as they streamed by,
	// repeated keys included. It gives them only when it saw every entry of
	// the base list file (animelist.csv) go by and knows every
	// (user_id, anime_id) it saw twice: they are BaseRepeats. So not nil
	// also says a warehouse may skip its own search for repeats and resolve
	// only BaseRepeats (none: the keys are unique; the primary-key check
	// still runs), and need not scan user_anime to build the marts: the
	// counts less the rows it removes resolving BaseRepeats (SubtractCounts)
	// are exact (the mart checks compare the result with the fact table).
	BaseCounts []StatusCount
	// BaseRepeats are the keys the base list repeats, each once, sorted,
	// when BaseCounts is not nil. They are few: the pipeline gives up past
	// a few thousand and passes neither.
	BaseRepeats []ListKey
	// BaseRepeatUsers are the users, sorted, whose entries the base list
	// does not hold in one block (another user's lines come between): a key
	// of theirs may repeat across their blocks, where the pipeline cannot
	// see it, so the warehouse searches their rows (only theirs) for
	// repeats and resolves them as it resolves BaseRepeats. They are few:
	// past a few thousand the pipeline passes no BaseCounts.
	BaseRepeatUsers []int32
	// Recommend names the recommendation tables (RecUserTable,
	// RecSimilarTable) the run refills after Finalize. Finalize carries
	// the other ones over from the published state, rows and rec_model row
	// unchanged, so a run that does not train keeps what was published.
	Recommend []string
	// KeepCatalogue says an incremental run did not load anime.csv: it is
	// the file the published catalogue side was made from. The warehouse
	// builds the stage's catalogue rows (with the synopses just loaded, or
	// the published ones with KeepSynopses), tag
	// dimensions and bridges and score votes from the published tables
	// instead of the load tables; what the lists decide (inferred anime,
	// statuses, marts) is built as ever.
	KeepCatalogue bool
	// CompactAbove: an incremental run's publish writes user_anime_base
	// again from the user_anime view, and empties its day tables, when they
	// hold more than this share of the base's rows after the day
	// (user_anime_delta's and user_anime_gone's together): the days' cost
	// and the readers' anti-join stay bounded, and a compaction every
	// CompactAbove / (a day's share) days costs each day its share of one
	// rewrite. 0 takes DefaultCompactAbove.
	CompactAbove float64
	// KeepSynopses says that, with KeepCatalogue, the run did not load
	// anime_with_synopsis.csv either: it is the file the published
	// synopses came from, and they stand.
	KeepSynopses bool
	// EarlyChecks are queries the checks will send after Finalize (on
	// Stage.Query, without arguments) that read only user_anime's rows and
	// the model (quality.Check.Early). A warehouse with time to spare
	// while its Finalize ends (PostgreSQL, beside its key index build) may
	// run them once those tables are final and answer the same query from
	// that result, once; it must not when its Finalize changes them
	// afterwards. It may ignore them.
	EarlyChecks []string
}

// StatusCount is the number of list entries of one anime with one status,
// how many of them carry a rating, and the sum of those ratings.
type StatusCount struct {
	AnimeID   int32
	Status    int16
	Entries   int64
	Ratings   int64
	RatingSum int64
}

// ListKey is the key of a list entry, and of user_anime.
type ListKey struct {
	UserID  int32
	AnimeID int32
}

// SubtractCounts returns counts less gone, cell by cell (AnimeID, Status),
// without the cells left with no entries; counts is not modified. A
// warehouse uses it to take the rows it removes out of the pipeline's
// FinalizeOptions.BaseCounts.
func SubtractCounts(counts, gone []StatusCount) []StatusCount {
	type cell struct {
		anime  int32
		status int16
	}
	less := make(map[cell]StatusCount, len(gone))
	for _, g := range gone {
		k := cell{g.AnimeID, g.Status}
		c := less[k]
		c.Entries += g.Entries
		c.Ratings += g.Ratings
		c.RatingSum += g.RatingSum
		less[k] = c
	}
	out := make([]StatusCount, 0, len(counts))
	for _, c := range counts {
		if g, ok := less[cell{c.AnimeID, c.Status}]; ok {
			c.Entries -= g.Entries
			c.Ratings -= g.Ratings
			c.RatingSum -= g.RatingSum
		}
		if c.Entries > 0 {
			out = append(out, c)
		}
	}
	return out
}

// DefaultPriorRatings is the default FinalizeOptions.PriorRatings.
const DefaultPriorRatings = 50

// DefaultCompactAbove is the default FinalizeOptions.CompactAbove.
// A compaction rewrites the base: at 80M rows 6 s on DuckDB and 99 s on
// PostgreSQL (a logged copy and its primary key, more than a full run's
// finalize), so it is rare by default: at 1% a day the day tables grow by
// about 1.6% of the base a day, a compaction every two weeks or so.
const DefaultCompactAbove = 0.25
