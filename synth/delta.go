package synth

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/animetl/animetl"
)

// DefaultChangedShare is the share of DeltaConfig.Rows that change existing
// entries when DeltaConfig.ChangedShare is zero.
const DefaultChangedShare = 0.5

// newUserShare is the share of a delta's new entries that belong to users
// absent from the base; the rest go to the lists of existing users.
const newUserShare = 0.3

// Header of the deletes file of a delta.
const deltaDeletesHeader = "user_id,anime_id"

// DeltaConfig says what delta to generate against an existing set.
type DeltaConfig struct {
	// Date is the day of the delta, YYYY-MM-DD; it names the folder
	// animelist/date=<Date>/ and is mixed into the seed, so two days of the
	// same Seed differ.
	Date string
	// Rows is the number of lines of part-0.csv: changed plus new entries.
	Rows int64
	// Deletes is the number of lines of deletes/part-0.csv; zero writes no
	// deletes file.
	Deletes int64
	// ChangedShare is the share, in [0, 1], of Rows that change existing
	// entries; zero means DefaultChangedShare.
	ChangedShare float64
	// Seed selects the random streams; every value, zero included, is valid.
	Seed uint64
}

// withDefaults returns cfg with zero values replaced by defaults.
func (cfg DeltaConfig) withDefaults() DeltaConfig {
	if cfg.ChangedShare == 0 {
		cfg.ChangedShare = DefaultChangedShare
	}
	return cfg
}

// Validate reports the first invalid setting of cfg as an error wrapping
// animetl.ErrConfig that names the field and the value.
func (cfg DeltaConfig) Validate() error {
	d, err := time.Parse(time.DateOnly, cfg.Date)
	switch {
	case err != nil || d.Format(time.DateOnly) != cfg.Date:
		return fmt.Errorf("synth: Date = %q: must be a day as YYYY-MM-DD: %w", cfg.Date, animetl.ErrConfig)
	case cfg.Rows < 0:
		return fmt.Errorf("synth: Rows = %d: must not be negative: %w", cfg.Rows, animetl.ErrConfig)
	case cfg.Deletes < 0:
		return fmt.Errorf("synth: Deletes = %d: must not be negative: %w", cfg.Deletes, animetl.ErrConfig)
	case math.IsNaN(cfg.ChangedShare) || cfg.ChangedShare < 0 || cfg.ChangedShare > 1:
		return fmt.Errorf("synth: ChangedShare = %v: must be in [0, 1]: %w", cfg.ChangedShare, animetl.ErrConfig)
	}
	return nil
}

// DeltaStats reports what WriteDelta wrote.
type DeltaStats struct {
	// Upserts and Deletes describe part-0.csv and deletes/part-0.csv; Name is
	// the path relative to the set, with forward slashes. Deletes is zero
	// when no deletes file was written.
	Upserts, Deletes FileStats
	// Changed counts the lines of part-0.csv that change an existing entry,
	// New those that add one; Changed + New = Upserts.Records.
	Changed, New int64
	// NewUsers counts the users of part-0.csv absent from the base.
	NewUsers int64
}

// WriteDelta reads the set in dir (its anime.csv and animelist.csv, in either
// layout) and writes one day's delta of animelist.csv under
// dir/animelist/date=<Date>/, in the layout of the base: part-0.csv holds
// Rows new and changed entries grouped by ascending user, and
// deletes/part-0.csv, when Deletes > 0, Deletes (user_id, anime_id) pairs of
// the base, none of them changed. A regenerated day replaces its files; with
// Deletes == 0 a stale deletes file of the day is removed.
//
// It streams the base twice (once to count, once to sample) holding one
// user's list at a time, so memory does not grow with the base. Changes and
// deletes are a uniform sample of the base entries that occur once and
// parse; when the base has fewer than asked, changes are capped and the rest
// of Rows become new entries. The same base and cfg give byte-identical
// files; the delta is drawn against animelist.csv alone, not earlier deltas.
//
// An invalid cfg, a missing dir or more Deletes than the base can give
// return an error wrapping animetl.ErrConfig that names the field and value;
// a missing anime.csv or animelist.csv one wrapping animetl.ErrMissingFile; a
// header without a needed column one wrapping animetl.ErrHeader. A base not
// grouped by ascending user_id is an error. Files are written under
// temporary names and renamed at the end, so a failed or cancelled run
// leaves no partial file, and the files of an earlier run of the same day
// stay as they were.
func WriteDelta(ctx context.Context, dir string, cfg DeltaConfig) (DeltaStats, error) {
	if err := cfg.Validate(); err != nil {
		return DeltaStats{}, err
	}
	cfg = cfg.withDefaults()
	if fi, err := os.Stat(dir); err != nil {
		return DeltaStats{}, fmt.Errorf("synth: dir = %q: %w: %w", dir, animetl.ErrConfig, err)
	} else if !fi.IsDir() {
		return DeltaStats{}, fmt.Errorf("synth: dir = %q: not a directory: %w", dir, animetl.ErrConfig)
	}
	cat, err := readCatalogue(ctx, filepath.Join(dir, animetl.FileAnime))
	if err != nil {
		return DeltaStats{}, err
	}
	basePath := filepath.Join(dir, animetl.FileAnimeList)
	info, err := scanBase(ctx, basePath, func(int64, []baseEntry) error { return nil })
	if err != nil {
		return DeltaStats{}, err
	}
	plan, err := newDeltaPlan(cfg, info, cat)
	if err != nil {
		return DeltaStats{}, err
	}
	layout := LayoutPublic
	if info.indexed {
		layout = LayoutIndexed
	}
	rel := path.Join("animelist", "date="+cfg.Date)
	st := DeltaStats{Upserts: FileStats{Name: path.Join(rel, "part-0.csv")}}
	up, err := createDeltaFile(dir, st.Upserts.Name, animeListHeader, layout)
	if err != nil {
		return st, err
	}
	defer up.abort()
	files := []*deltaFile{up}
	var delW *recordWriter
	delName := path.Join(rel, "deletes", "part-0.csv")
	if cfg.Deletes > 0 {
		st.Deletes.Name = delName
		del, err := createDeltaFile(dir, delName, deltaDeletesHeader, layout)
		if err != nil {
			return st, err
		}
		defer del.abort()
		files = append(files, del)
		delW = del.w
	}
	seed := cfg.Seed ^ dateHash(cfg.Date)
	g := newDeltaGen(seed, cat, plan, up.w, delW, &st)
	if _, err := scanBase(ctx, basePath, g.visitUser); err != nil {
		return st, err
	}
	if g.pending() > 0 {
		return st, errBaseChanged
	}
	if err := g.newUsers(ctx, info.maxUser+1); err != nil {
		return st, fmt.Errorf("synth: write %s: %w", st.Upserts.Name, err)
	}
	for _, f := range files {
		if err := f.finish(); err != nil {
			return st, err
		}
	}
	// Deletes first: a loader that sees part-0.csv then sees the whole day.
	for i := len(files) - 1; i >= 0; i-- {
		if err := files[i].rename(); err != nil {
			return st, err
		}
	}
	st.Upserts = up.stats()
	if cfg.Deletes > 0 {
		st.Deletes = files[1].stats()
	} else if err := os.Remove(filepath.Join(dir, filepath.FromSlash(delName))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return st, fmt.Errorf("synth: remove stale %s: %w", delName, err)
	} else if err == nil {
		_ = os.Remove(filepath.Dir(filepath.Join(dir, filepath.FromSlash(delName)))) // only when empty
	}
	return st, nil
}

// dateHash mixes the date into the seed (FNV-1a).
func dateHash(date string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(date))
	return h.Sum64()
}

// deltaPlan holds how many lines of each kind a delta gets.
type deltaPlan struct {
	eligible int64 // base entries that may be changed or deleted
	changed  int64 // changes of existing entries
	deletes  int64 // deleted entries
	existing int64 // new entries on the lists of existing users
	newUsers int64 // entries of new users
}

// newDeltaPlan splits cfg.Rows between changes, new entries of existing
// users and entries of new users, within what the base and catalogue allow.
func newDeltaPlan(cfg DeltaConfig, info baseInfo, cat *deltaCatalogue) (deltaPlan, error) {
	p := deltaPlan{eligible: info.eligible, deletes: cfg.Deletes}
	if p.deletes > p.eligible {
		return p, fmt.Errorf("synth: Deletes = %d: the base has only %d entries that can be deleted: %w", cfg.Deletes, p.eligible, animetl.ErrConfig)
	}
	p.changed = min(int64(math.Round(float64(cfg.Rows)*cfg.ChangedShare)), p.eligible-p.deletes)
	fresh := cfg.Rows - p.changed
	if fresh > 0 && cat.n == 0 {
		return p, fmt.Errorf("synth: anime.csv has no usable rows: cannot draw %d new entries", fresh)
	}
	if info.users > 0 {
		p.existing = min(int64(math.Round(float64(fresh)*(1-newUserShare))), p.eligible-p.deletes-p.changed)
	}
	p.newUsers = fresh - p.existing
	return p, nil
}

// deltaFile is a delta file being written to a temporary name beside its
// final one, so a failed run leaves no partial file.
type deltaFile struct {
	f          *os.File
	w          *recordWriter
	name, path string
	done       bool
}

// createDeltaFile creates the folders of name (relative to dir, slash
// separated) and a temporary file for it, and writes header.
func createDeltaFile(dir, name, header string, layout Layout) (*deltaFile, error) {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	f, err := os.Create(p + ".tmp")
	if err != nil {
		return nil, fmt.Errorf("synth: create %s: %w", name, err)
	}
	d := &deltaFile{f: f, w: newRecordWriter(f, layout), name: name, path: p}
	if err := d.w.header(header); err != nil {
		d.abort()
		return nil, fmt.Errorf("synth: write %s: %w", name, err)
	}
	return d, nil
}

// stats returns what was written to the file.
func (d *deltaFile) stats() FileStats {
	return FileStats{Name: d.name, Records: d.w.records, Lines: d.w.lines, Bytes: d.w.bytes}
}

// finish flushes and closes the temporary file.
func (d *deltaFile) finish() error {
	err := d.w.flush()
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("synth: write %s: %w", d.name, err)
	}
	return nil
}

// rename moves the finished file to its final name.
func (d *deltaFile) rename() error {
	if err := os.Rename(d.f.Name(), d.path); err != nil {
		return fmt.Errorf("synth: write %s: %w", d.name, err)
	}
	d.done = true
	return nil
}

// abort closes and removes the temporary file unless rename succeeded.
func (d *deltaFile) abort() {
	if d.done {
		return
	}
	d.done = true
	_ = d.f.Close()
	_ = os.Remove(d.f.Name())
}
