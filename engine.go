package animetl

import "context"

// ListEngine transforms the list files of a run, the heavy part (the base
// animelist.csv and the delta days' upserts and deletes), somewhere other
// than in this process: a Spark cluster, say. It reads the files itself,
// applies the cleaning rules of the dataset package and hands back, per
// file, the clean rows and the rejects, which the pipeline streams into the
// warehouse's stage as it does the Go decoders' output (or, when the output
// is a ParquetOutput and the stage a ParquetStage, has the stage ingest a
// list file's rows whole). A nil ListEngine is the local engine: the Go
// decoders.
type ListEngine interface {
	// Name names the engine in logs and phases ("spark").
	Name() string
	// Transform cleans files, all in one go. Errors say what failed in one
	// line; an engine that cannot be reached wraps its own sentinel.
	Transform(ctx context.Context, runID string, files []ListFile) (ListOutput, error)
}

// ListFile is a list or deletes file (or, for a CatalogueEngine, a
// catalogue file) given to a ListEngine, with its
// header as the Go decoders mapped it (the pipeline reads the header, so a
// bad one fails the run the same way whatever the engine).
type ListFile struct {
	Load *FileLoad
	// Fields is the header's field count, which every record must have.
	Fields int
	// Pos maps each column of the layout to its field index from 0.
	Pos map[string]int
}

// ListOutput is what a ListEngine made of a run's files.
type ListOutput interface {
	// Read streams f's clean rows, entries for a list file and deletes for
	// a deletes file, in batches the callee owns, and its rejects and
	// duplicates, and returns the number of records read after the header.
	Read(ctx context.Context, f *FileLoad, entries func([]ListEntry) error,
		deletes func([]ListDelete) error, reject func(*RowError) error) (int64, error)
	// Close removes what Transform left behind (its stage folder).
	Close() error
}

// CatalogueEngine is a ListEngine that also cleans the catalogue files
// (anime.csv, anime_with_synopsis.csv, watching_status.csv) when
// CleansCatalogue says so: Transform then gets them among its files (Pos
// maps the columns of dataset.CatalogueRules), and its ListOutput
// implements CatalogueOutput.
type CatalogueEngine interface {
	ListEngine
	CleansCatalogue() bool
}

// CatalogueOutput is the ListOutput of a CatalogueEngine: each Read*
// streams one catalogue file's clean rows in batches the callee owns, and
// its rejects and duplicates, and returns the number of records read after
// the header, as the Go decoders count them.
type CatalogueOutput interface {
	ReadAnime(ctx context.Context, f *FileLoad, emit func([]Anime) error, reject func(*RowError) error) (int64, error)
	ReadSynopses(ctx context.Context, f *FileLoad, emit func([]Synopsis) error, reject func(*RowError) error) (int64, error)
	ReadStatuses(ctx context.Context, f *FileLoad, emit func([]WatchingStatus) error, reject func(*RowError) error) (int64, error)
}

// ResolvedOutput is a ListOutput whose engine resolved the repeated
// (user_id, anime_id) keys within each list file itself, by the
// warehouse's rule (Stage.Finalize): the first line of a key wins; a later
// one is a duplicate when its status, rating and episodes equal the
// first's, else a conflicting repeat (a reject), each worded, with its raw
// text, as the warehouse records it. Read streams only the winners, and
// the losers among the rejects. Repeats across files (delta days) are
// still the warehouse's to resolve: it holds them all.
type ResolvedOutput interface {
	ListOutput
	// BaseCounts returns the per-anime, per-status counts of the clean
	// entries of the base list file f (the winners): the pipeline passes
	// them as FinalizeOptions.BaseCounts, with no BaseRepeats, so the
	// warehouse neither searches the base for repeats nor scans it for
	// the marts.
	BaseCounts(f *FileLoad) ([]StatusCount, error)
}
