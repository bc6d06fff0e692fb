package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/animetl/animetl"
)

// plannedFile is a file a run will load, in load order.
type plannedFile struct {
	kind animetl.Kind
	info animetl.FileInfo
	date string // delta files only
}

// Backfill restricts which delta days an incremental run applies: From and
// To are YYYY-MM-DD or empty for an open end.
type Backfill struct {
	From, To string
}

// ParseBackfill reads FROM:TO, either side optional ("2026-11-01:",
// ":2026-11-05", "2026-11-01:2026-11-05").
func ParseBackfill(s string) (Backfill, error) {
	from, to, ok := strings.Cut(s, ":")
	if !ok {
		return Backfill{}, fmt.Errorf("backfill %q: want FROM:TO with dates YYYY-MM-DD, either side optional: %w", s, animetl.ErrConfig)
	}
	for _, d := range []string{from, to} {
		if d == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Backfill{}, fmt.Errorf("backfill %q: %q is not a date YYYY-MM-DD: %w", s, d, animetl.ErrConfig)
		}
	}
	if from != "" && to != "" && from > to {
		return Backfill{}, fmt.Errorf("backfill %q: %s is after %s: %w", s, from, to, animetl.ErrConfig)
	}
	return Backfill{From: from, To: to}, nil
}

func (b Backfill) contains(date string) bool {
	return (b.From == "" || date >= b.From) && (b.To == "" || date <= b.To)
}

var baseKinds = map[string]animetl.Kind{
	animetl.FileWatchingStatus: animetl.KindWatchingStatus,
	animetl.FileAnime:          animetl.KindAnime,
	animetl.FileSynopsis:       animetl.KindSynopsis,
	animetl.FileAnimeList:      animetl.KindAnimeList,
}

// required picks the named base files, failing (before anything is loaded)
// with the names of those missing.
func required(byName map[string]animetl.FileInfo, names ...string) ([]plannedFile, error) {
	var plan []plannedFile
	var missing []string
	for _, name := range names {
		f, ok := byName[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		plan = append(plan, plannedFile{kind: baseKinds[name], info: f})
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%v: %w", missing, animetl.ErrMissingFile)
	}
	return plan, nil
}

// planFull picks the files of a full run: the four base files (all
// required), then every delta up to the backfill's end, in application order.
func planFull(set *sourceSet, bf Backfill) ([]plannedFile, error) {
	if bf.From != "" {
		return nil, fmt.Errorf("a full run rebuilds from the base files; backfill can only give an end (:%s): %w", bf.To, animetl.ErrConfig)
	}
	plan, err := required(set.base, animetl.BaseFiles...)
	if err != nil {
		return nil, err
	}
	for _, d := range set.deltas {
		if bf.contains(d.date) {
			plan = append(plan, d)
		}
	}
	return plan, nil
}

// appliedFile is a file a succeeded run loaded, from the ledger.
type appliedFile struct {
	runID    string
	name     string
	etag     string
	size     int64
	modified time.Time
}

// sameFile reports whether a listed file is the one the ledger recorded:
// the same ETag when both have one, else the same size and modification time.
func sameFile(a appliedFile, f animetl.FileInfo) bool {
	if a.etag != "" && f.ETag != "" {
		return a.etag == f.ETag
	}
	if a.size != f.Size {
		return false
	}
	// The ledger keeps microseconds, as both warehouses' timestamps do.
	return a.modified.IsZero() || f.ModTime.IsZero() || a.modified.Equal(f.ModTime.Truncate(time.Microsecond))
}

// ErrNeedsFull wraps the errors of incremental runs that cannot proceed
// without a full rebuild.
var ErrNeedsFull = fmt.Errorf("run --mode full")

// planIncremental picks the files of an incremental run: the catalogue and
// lookups (plan then drops an unchanged anime.csv: unchangedCatalogue) and
// the delta days not applied yet, within the backfill. When a pending day is older than days already
// applied, those later days are applied again after it, so the latest day
// still wins for every key. A changed base list or a changed applied delta
// cannot be undone incrementally: the run fails asking for a full one.
func planIncremental(set *sourceSet, ledger []appliedFile, bf Backfill) ([]plannedFile, error) {
	plan, err := required(set.base, animetl.FileWatchingStatus, animetl.FileAnime, animetl.FileSynopsis)
	if err != nil {
		return nil, err
	}
	last := map[string]appliedFile{} // the latest record of each name
	var base *appliedFile            // the latest record of the base list, stored compressed or not
	for _, a := range ledger {
		last[a.name] = a
		if read, _ := splitCodec(a.name); read == animetl.FileAnimeList {
			base = &a
		}
	}
	if base == nil {
		return nil, fmt.Errorf("the warehouse has no full run of %s yet: %w", animetl.FileAnimeList, ErrNeedsFull)
	}
	if f, ok := set.base[animetl.FileAnimeList]; ok && (f.Name != base.name || !sameFile(*base, f)) {
		return nil, fmt.Errorf("%s changed since the last full run: incremental runs apply deltas to it and cannot replace it: %w",
			f.Name, ErrNeedsFull)
	}
	all := set.deltas
	first := ""
	for _, d := range all {
		a, applied := last[d.info.Name]
		switch {
		case applied && !sameFile(a, d.info):
			return nil, fmt.Errorf("%s changed after it was applied: an incremental run cannot undo an applied file: %w",
				d.info.Name, ErrNeedsFull)
		case !applied && bf.contains(d.date) && (first == "" || d.date < first):
			first = d.date
		}
	}
	if first == "" {
		return plan, nil // nothing new: the catalogue is refreshed, the lists stay
	}
	for _, d := range all {
		_, applied := last[d.info.Name]
		if d.date >= first && (applied || bf.contains(d.date)) {
			plan = append(plan, d)
		}
	}
	return plan, nil
}

// sameReason says how sameCatalogue told that a listed file is the recorded one.
func sameReason(a appliedFile) string {
	if a.etag != "" {
		return "same ETag"
	}
	return "same size and modification time"
}

// unchangedFile reports whether an incremental run may keep what the
// published state holds of the planned file of kind (anime.csv: the
// catalogue rows, tags and score votes; anime_with_synopsis.csv: the
// synopses) instead of loading it again: the file is the one the ledger's
// latest record of that kind describes, under the same name (a file stored
// compressed one day and not the next is another record: the published
// state follows the latest) and the same by sameCatalogue. It returns that
// record. The status lookup is small and always loaded.
func unchangedFile(plan []plannedFile, ledger []appliedFile, kind animetl.Kind) (appliedFile, bool) {
	var last appliedFile
	var f *plannedFile
	for i := range plan {
		if plan[i].kind == kind {
			f = &plan[i]
		}
	}
	if f == nil {
		return last, false
	}
	found := false
	for _, a := range ledger {
		if logical, _ := splitCodec(a.name); baseKinds[logical] == kind {
			last, found = a, true
		}
	}
	return last, found && last.name == f.info.Name && sameCatalogue(last, f.info)
}

// sameCatalogue is sameFile without its benefit of the doubt: an edit of
// anime.csv (a score, a member count) often keeps its size, so a size alone
// proves nothing; the ETags, or the size and a known modification time,
// must match.
func sameCatalogue(a appliedFile, f animetl.FileInfo) bool {
	if a.etag != "" && f.ETag != "" {
		return a.etag == f.ETag
	}
	return a.size == f.Size && f.Size >= 0 && !a.modified.IsZero() && !f.ModTime.IsZero() &&
		a.modified.Equal(f.ModTime.Truncate(time.Microsecond))
}

// readLedger reads the files that made the published state: those of the
// latest succeeded full run and of the succeeded runs after it, oldest
// first. Files of runs before that full rebuild do not count.
func readLedger(ctx context.Context, q animetl.Querier) ([]appliedFile, error) {
	rows, err := q.Query(ctx, `SELECT f.name, f.etag, f.size, f.modified_at, f.run_id
		FROM etl_file f JOIN etl_run r ON r.run_id = f.run_id
		WHERE r.status = 'succeeded'
		  AND r.started_at >= (SELECT MAX(started_at) FROM etl_run WHERE status = 'succeeded' AND mode = 'full')
		ORDER BY r.started_at, f.file_id`)
	if err != nil {
		return nil, fmt.Errorf("read the ledger: %w", err)
	}
	defer rows.Close()
	var out []appliedFile
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		a := appliedFile{}
		a.name, _ = v[0].(string)
		a.etag, _ = v[1].(string)
		a.size, _ = v[2].(int64)
		a.modified, _ = v[3].(time.Time)
		a.runID, _ = v[4].(string)
		out = append(out, a)
	}
	return out, rows.Err()
}
