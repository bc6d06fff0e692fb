// Package synth generates a synthetic copy of the four source files of the
// Anime Recommendation Database 2020 (anime.csv, animelist.csv,
// watching_status.csv and anime_with_synopsis.csv) with the shapes, quirks and
// statistical structure of the real data, so the pipeline can be tested and
// benchmarked at any size without the real files, and recommenders can be
// trained on data whose latent structure is known.
//
// Output is streamed and deterministic: the same Config gives byte-identical
// files, and memory stays flat whatever the number of list rows.
package synth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/animetl/animetl"
)

// Layout says which of the two real layouts the files have.
type Layout string

// The layouts. LayoutPublic has the headers exactly as published;
// LayoutIndexed is a pandas re-save with its index: an extra first column with
// an empty header holding row numbers 0..n-1.
const (
	LayoutPublic  Layout = "public"
	LayoutIndexed Layout = "indexed"
)

// DefaultAnime is the catalogue size used when Config.Anime is zero: the
// number of rows of the real anime.csv.
const DefaultAnime = 17562

// MaxAnime bounds Config.Anime; the catalogue is held in memory.
const MaxAnime = 1_000_000

// Config says what to generate. Its zero value is a valid, clean, public
// catalogue of DefaultAnime titles with an empty animelist.csv.
type Config struct {
	// Rows is the number of data lines of animelist.csv after the header,
	// hostile lines included: with DefectRate > 0 about Rows*DefectRate of
	// them are hostile and the rest are clean list entries.
	Rows int64
	// Anime is the number of valid catalogue rows of anime.csv; zero means
	// DefaultAnime. The handful of hostile anime.csv lines added when
	// DefectRate > 0 come on top of it.
	Anime int
	// Seed selects the random streams; every value, zero included, is valid.
	Seed uint64
	// Layout is LayoutPublic (also when empty) or LayoutIndexed.
	Layout Layout
	// DefectRate is the fraction, in [0, 1), of animelist.csv lines replaced
	// by hostile lines; above zero anime.csv also gets a few hostile lines.
	DefectRate float64
}

// withDefaults returns cfg with zero values replaced by defaults.
func (cfg Config) withDefaults() Config {
	if cfg.Anime == 0 {
		cfg.Anime = DefaultAnime
	}
	if cfg.Layout == "" {
		cfg.Layout = LayoutPublic
	}
	return cfg
}

// Validate reports the first invalid setting of cfg, after defaults, as an
// error wrapping animetl.ErrConfig that names the field and the value.
func (cfg Config) Validate() error {
	cfg = cfg.withDefaults()
	switch {
	case cfg.Rows < 0:
		return fmt.Errorf("synth: Rows = %d: must not be negative: %w", cfg.Rows, animetl.ErrConfig)
	case cfg.Anime < 0 || cfg.Anime > MaxAnime:
		return fmt.Errorf("synth: Anime = %d: must be between 1 and %d (0 means %d): %w", cfg.Anime, MaxAnime, DefaultAnime, animetl.ErrConfig)
	case cfg.Layout != LayoutPublic && cfg.Layout != LayoutIndexed:
		return fmt.Errorf("synth: Layout = %q: must be %q or %q: %w", cfg.Layout, LayoutPublic, LayoutIndexed, animetl.ErrConfig)
	case math.IsNaN(cfg.DefectRate) || cfg.DefectRate < 0 || cfg.DefectRate >= 1:
		return fmt.Errorf("synth: DefectRate = %v: must be in [0, 1): %w", cfg.DefectRate, animetl.ErrConfig)
	}
	return nil
}

// FileStats describes one written file.
type FileStats struct {
	// Name is the file name, one of the animetl.File* constants.
	Name string
	// Records counts the data records after the header, hostile lines
	// included; a blank line counts as one.
	Records int64
	// Lines counts the physical lines after the header. It exceeds Records
	// only where a quoted field holds a newline (some synopses).
	Lines int64
	// Bytes counts every byte written, header included.
	Bytes int64
}

// Defects counts hostile lines by kind. In animelist.csv every kind may
// occur; in anime.csv only NonNumeric (MAL_ID "abc"), ShortLine (too few
// fields) and OutOfRange (Score 11.5).
type Defects struct {
	// ExactDuplicate lines repeat an earlier clean line of the same user
	// field for field (the index column of the indexed layout aside).
	ExactDuplicate int64
	// ConflictingDuplicate lines repeat the user and anime of an earlier
	// clean line of the same user with a different rating.
	ConflictingDuplicate int64
	// BlankLine lines are empty; they carry no index column.
	BlankLine int64
	// ShortLine lines have fewer fields than the header.
	ShortLine int64
	// LongLine lines have one field more than the header.
	LongLine int64
	// NonNumeric lines hold "abc" in one integer column.
	NonNumeric int64
	// OutOfRange lines hold a rating of 11 or -1 (a Score of 11.5 in anime.csv).
	OutOfRange int64
	// NegativeID lines hold a negative user_id or anime_id.
	NegativeID int64
}

// Total returns the number of hostile lines of all kinds.
func (d Defects) Total() int64 {
	return d.ExactDuplicate + d.ConflictingDuplicate + d.BlankLine + d.ShortLine +
		d.LongLine + d.NonNumeric + d.OutOfRange + d.NegativeID
}

// Stats reports what Generate wrote, so a test or the CLI can reconcile a
// load against it: read = loaded + rejected, file by file.
type Stats struct {
	// Anime, AnimeList, WatchingStatus and Synopsis describe the four files.
	Anime, AnimeList, WatchingStatus, Synopsis FileStats
	// Users counts the distinct users with at least one clean list entry.
	Users int64
	// ListEntries counts the clean animelist.csv lines:
	// AnimeList.Records - ListDefects.Total().
	ListEntries int64
	// MissingAnimeIDs counts the distinct anime ids that clean list entries
	// reference and anime.csv lacks; MissingAnimeRows counts those entries.
	MissingAnimeIDs  int
	MissingAnimeRows int64
	// UndocumentedStatus counts clean list entries whose watching_status is
	// not in watching_status.csv (0 or 5).
	UndocumentedStatus int64
	// ListDefects counts the hostile lines of animelist.csv by kind.
	ListDefects Defects
	// AnimeDefects counts the hostile lines of anime.csv by kind.
	AnimeDefects Defects
}

// Files returns the four file stats in the order Generate writes them.
func (s Stats) Files() []FileStats {
	return []FileStats{s.WatchingStatus, s.Anime, s.Synopsis, s.AnimeList}
}

// Generate writes the four files through create, which is called once per
// file name (watching_status.csv, anime.csv, anime_with_synopsis.csv, then
// animelist.csv); the caller decides where they go. It streams: memory is
// bounded by the catalogue, whatever cfg.Rows is. The same cfg gives
// byte-identical files. Generate checks ctx every 65,536 list rows and
// returns its error when cancelled; an invalid cfg gives an error wrapping
// animetl.ErrConfig before create is called, and a failing create, write or
// close is returned wrapped with the file name. Every writer create returned
// is closed, also on error.
func Generate(ctx context.Context, cfg Config, create func(name string) (io.WriteCloser, error)) (Stats, error) {
	if err := cfg.Validate(); err != nil {
		return Stats{}, err
	}
	cfg = cfg.withDefaults()
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	var st Stats
	cat := newCatalogue(cfg.Seed, cfg.Anime)
	steps := []struct {
		name  string
		stats *FileStats
		write func(w *recordWriter) error
	}{
		{animetl.FileWatchingStatus, &st.WatchingStatus, writeWatchingStatus},
		{animetl.FileAnime, &st.Anime, func(w *recordWriter) error {
			return writeAnime(ctx, w, cat, cfg, &st.AnimeDefects)
		}},
		{animetl.FileSynopsis, &st.Synopsis, func(w *recordWriter) error {
			return writeSynopsis(ctx, w, cat, cfg.Seed)
		}},
		{animetl.FileAnimeList, &st.AnimeList, func(w *recordWriter) error {
			return writeLists(ctx, w, cat, cfg, &st)
		}},
	}
	for _, s := range steps {
		fs, err := writeFile(s.name, cfg.Layout, create, s.write)
		*s.stats = fs
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// writeFile creates name, runs write on it, flushes and closes it, and
// returns the file's stats and the first error, wrapped with the file name.
func writeFile(name string, layout Layout, create func(string) (io.WriteCloser, error), write func(*recordWriter) error) (FileStats, error) {
	wc, err := create(name)
	if err != nil {
		return FileStats{Name: name}, fmt.Errorf("synth: create %s: %w", name, err)
	}
	w := newRecordWriter(wc, layout)
	err = write(w)
	if err == nil {
		err = w.flush()
	}
	if cerr := wc.Close(); err == nil && cerr != nil {
		err = cerr
	}
	fs := FileStats{Name: name, Records: w.records, Lines: w.lines, Bytes: w.bytes}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fs, err
		}
		return fs, fmt.Errorf("synth: write %s: %w", name, err)
	}
	return fs, nil
}

// WriteDir generates the four files into dir, creating it (mode 0o755) when
// missing. Files already there are overwritten.
func WriteDir(ctx context.Context, dir string, cfg Config) (Stats, error) {
	if err := cfg.Validate(); err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("synth: %w", err)
	}
	return Generate(ctx, cfg, func(name string) (io.WriteCloser, error) {
		return os.Create(filepath.Join(dir, name))
	})
}
