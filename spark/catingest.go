package spark

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

var _ animetl.CatalogueOutput = (*output)(nil)

// catRow is one clean record of a catalogue file as catalogue.sql wrote
// it: its line and its values by column name.
type catRow struct {
	line      int64
	ints      map[string]sql.NullInt64
	strs      map[string]sql.NullString
	floats    map[string]sql.NullFloat64
	airedFrom sql.NullTime
	airedTo   sql.NullTime
}

func (r *catRow) str(col string) *string {
	if v := r.strs[col]; v.Valid {
		s := v.String
		return &s
	}
	return nil
}

func (r *catRow) i32(col string) *int32 {
	if v := r.ints[col]; v.Valid {
		x := int32(v.Int64)
		return &x
	}
	return nil
}

// list splits a list column (its items joined with NUL bytes, which no
// clean text holds); no item is nil, as the decoder's list gives.
func (r *catRow) list(col string) []string {
	v := r.strs[col]
	if !v.Valid || v.String == "" {
		return nil
	}
	return strings.Split(v.String, "\x00")
}

func dateOf(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	d := time.Date(t.Time.Year(), t.Time.Month(), t.Time.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// ReadAnime implements animetl.CatalogueOutput.
func (o *output) ReadAnime(ctx context.Context, f *animetl.FileLoad, emit func([]animetl.Anime) error, reject func(*animetl.RowError) error) (int64, error) {
	return readCatalogue(ctx, o, f, func(r *catRow) animetl.Anime {
		a := animetl.Anime{
			ID: int32(r.ints["MAL_ID"].Int64), Name: r.str("Name"), EnglishName: r.str("English name"),
			JapaneseName: r.str("Japanese name"), Type: r.str("Type"), Episodes: r.i32("Episodes"),
			AiredRaw: r.str("Aired"), AiredFrom: dateOf(r.airedFrom), AiredTo: dateOf(r.airedTo),
			PremieredSeason: r.str("Premiered"), Source: r.str("Source"), AgeRating: r.str("Rating"),
			Ranked: r.i32("Ranked"), Popularity: r.i32("Popularity"), Members: r.i32("Members"),
			Favorites: r.i32("Favorites"), Watching: r.i32("Watching"), Completed: r.i32("Completed"),
			OnHold: r.i32("On-Hold"), Dropped: r.i32("Dropped"), PlanToWatch: r.i32("Plan to Watch"),
			Genres: r.list("Genres"), Producers: r.list("Producers"), Licensors: r.list("Licensors"),
			Studios: r.list("Studios"), Line: r.line,
		}
		if v := r.ints["Premiered year"]; v.Valid {
			y := int16(v.Int64)
			a.PremieredYear = &y
		}
		if v := r.floats["Duration"]; v.Valid {
			m := v.Float64
			a.DurationMinutes = &m
		}
		if v := r.ints["Score"]; v.Valid {
			s := animetl.Score(v.Int64)
			a.Score = &s
		}
		for i := range a.Votes {
			a.Votes[i] = r.i32("Score-" + strconv.Itoa(i+1))
		}
		return a
	}, emit, reject)
}

// ReadSynopses implements animetl.CatalogueOutput.
func (o *output) ReadSynopses(ctx context.Context, f *animetl.FileLoad, emit func([]animetl.Synopsis) error, reject func(*animetl.RowError) error) (int64, error) {
	return readCatalogue(ctx, o, f, func(r *catRow) animetl.Synopsis {
		return animetl.Synopsis{AnimeID: int32(r.ints["MAL_ID"].Int64), Name: r.str("Name"), Text: r.str("sypnopsis"), Line: r.line}
	}, emit, reject)
}

// ReadStatuses implements animetl.CatalogueOutput.
func (o *output) ReadStatuses(ctx context.Context, f *animetl.FileLoad, emit func([]animetl.WatchingStatus) error, reject func(*animetl.RowError) error) (int64, error) {
	return readCatalogue(ctx, o, f, func(r *catRow) animetl.WatchingStatus {
		return animetl.WatchingStatus{Status: int16(r.ints["status"].Int64), Description: r.strs["description"].String, Line: r.line}
	}, emit, reject)
}

// catGlob returns the Parquet files of one outcome of a catalogue file,
// or "" when Spark wrote none.
func (o *output) catGlob(id int16, outcome string) string {
	glob := filepath.Join(o.dir, catFolder(id), "outcome="+outcome, "*.parquet")
	if m, _ := filepath.Glob(glob); len(m) == 0 {
		return ""
	}
	return glob
}

// readCatalogue streams one catalogue file's clean rows (built by mk), in
// line order, then its rejects and duplicates, and checks that every
// record after the header was one of them.
func readCatalogue[T any](ctx context.Context, o *output, f *animetl.FileLoad, mk func(*catRow) T, emit func([]T) error, reject func(*animetl.RowError) error) (int64, error) {
	cols, ok := o.cats[f.ID]
	if !ok {
		return 0, fmt.Errorf("spark: %s was not transformed", f.Info.Name)
	}
	db, err := o.open(ctx)
	if err != nil {
		return 0, err
	}
	clean, err := readCatRows(ctx, db, o.catGlob(f.ID, "row"), f, cols, mk, emit)
	if err != nil {
		return 0, err
	}
	rejected, err := o.readCatRejects(ctx, db, f, cols, reject)
	if err != nil {
		return 0, err
	}
	return clean + rejected, nil
}

func readCatRows[T any](ctx context.Context, db *sql.DB, glob string, f *animetl.FileLoad, cols []catCol, mk func(*catRow) T, emit func([]T) error) (int64, error) {
	if glob == "" {
		return 0, nil
	}
	sel := []string{"line"}
	aired := false
	for _, c := range cols {
		sel = append(sel, "o_"+c.A)
		if c.Kind == dataset.RulePremiered {
			sel = append(sel, "o_"+c.A+"_year")
		}
		aired = aired || c.Kind == dataset.RuleAired
	}
	if aired {
		sel = append(sel, "aired_from", "aired_to")
	}
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM read_parquet("+duckString(glob)+") ORDER BY line")
	if err != nil {
		return 0, fmt.Errorf("spark: read %s rows: %w", f.Info.Name, err)
	}
	defer rows.Close()
	var n int64
	batch := make([]T, 0, 1024)
	for rows.Next() {
		r := &catRow{ints: map[string]sql.NullInt64{}, strs: map[string]sql.NullString{}, floats: map[string]sql.NullFloat64{}}
		dst := []any{&r.line}
		ints := map[string]*sql.NullInt64{}
		strs := map[string]*sql.NullString{}
		floats := map[string]*sql.NullFloat64{}
		for _, c := range cols {
			switch c.Kind {
			case dataset.RuleInt, dataset.RuleOptInt, dataset.RuleScore:
				ints[c.Column] = new(sql.NullInt64)
				dst = append(dst, ints[c.Column])
			case dataset.RuleDuration:
				floats[c.Column] = new(sql.NullFloat64)
				dst = append(dst, floats[c.Column])
			case dataset.RulePremiered:
				strs[c.Column] = new(sql.NullString)
				ints[c.Column+" year"] = new(sql.NullInt64)
				dst = append(dst, strs[c.Column], ints[c.Column+" year"])
			default:
				strs[c.Column] = new(sql.NullString)
				dst = append(dst, strs[c.Column])
			}
		}
		if aired {
			dst = append(dst, &r.airedFrom, &r.airedTo)
		}
		if err := rows.Scan(dst...); err != nil {
			return 0, fmt.Errorf("spark: read %s rows: %w", f.Info.Name, err)
		}
		for k, v := range ints {
			r.ints[k] = *v
		}
		for k, v := range strs {
			r.strs[k] = *v
		}
		for k, v := range floats {
			r.floats[k] = *v
		}
		batch = append(batch, mk(r))
		n++
		if len(batch) == cap(batch) {
			if err := emit(batch); err != nil {
				return 0, err
			}
			batch = make([]T, 0, 1024)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("spark: read %s rows: %w", f.Info.Name, err)
	}
	if len(batch) > 0 {
		if err := emit(batch); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// readCatRejects streams one catalogue file's rejects and duplicates in
// line order, worded with the decoder's own rules.
func (o *output) readCatRejects(ctx context.Context, db *sql.DB, f *animetl.FileLoad, cols []catCol, emit func(*animetl.RowError) error) (int64, error) {
	var globs []string
	for _, outcome := range []string{"reject", "duplicate"} {
		if g := o.catGlob(f.ID, outcome); g != "" {
			globs = append(globs, duckString(g))
		}
	}
	if len(globs) == 0 {
		return 0, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT line, outcome, verdict, col, val, got, raw, raw_len, key, first_line
		FROM read_parquet([`+strings.Join(globs, ", ")+`], hive_partitioning = true) ORDER BY line`)
	if err != nil {
		return 0, fmt.Errorf("spark: read %s rejects: %w", f.Info.Name, err)
	}
	defer rows.Close()
	fields := int64(o.files[f.ID].Fields)
	what := dataset.RepeatKey(f.Kind)
	var n int64
	for rows.Next() {
		var (
			line                      int64
			outcome                   string
			verdict, col              sql.NullString
			val, raw                  []byte
			got, rawLen, key, firstAt sql.NullInt64
		)
		if err := rows.Scan(&line, &outcome, &verdict, &col, &val, &got, &raw, &rawLen, &key, &firstAt); err != nil {
			return 0, fmt.Errorf("spark: read %s rejects: %w", f.Info.Name, err)
		}
		e := &animetl.RowError{File: f.Info.Name, Line: line, Raw: animetl.ClipRawHead(raw, int(rawLen.Int64)), Kind: animetl.KindReject}
		switch {
		case outcome == "duplicate" || verdict.String == "conflict":
			e.Column = what
			e.Kind, e.Reason = dataset.RepeatReason(what, key.Int64, firstAt.Int64, outcome == "duplicate")
		case verdict.String == "col":
			if e.Reason, err = columnReason(f.Kind, col.String, val); err != nil {
				return 0, fmt.Errorf("spark: %s line %d: %w", f.Info.Name, line, err)
			}
			e.Column = col.String
		case verdict.String == "span_too_long":
			return 0, fmt.Errorf("spark: %s line %d: a quoted field spans lines past %d bytes; the Go reader rejects its first line and reads on, the Spark engine cannot: use --engine local for this file",
				f.Info.Name, line, dataset.DefaultMaxRecordBytes)
		default:
			if e.Reason, _, err = reason(verdict.String, "", "", fields, got.Int64, f.Kind); err != nil {
				return 0, fmt.Errorf("spark: %s line %d: %w", f.Info.Name, line, err)
			}
		}
		n++
		if err := emit(e); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("spark: read %s rejects: %w", f.Info.Name, err)
	}
	return n, nil
}

// columnReason words Spark's verdict that a column fails its rule with
// the decoder's rule; a verdict the rule does not confirm is an error (the
// engines would disagree).
func columnReason(kind animetl.Kind, col string, val []byte) (string, error) {
	for _, r := range dataset.CatalogueRules(kind) {
		if r.Column != col {
			continue
		}
		if why := r.Reason(val); why != "" {
			return why, nil
		}
		return "", fmt.Errorf("spark rejected %s %s, the Go rule accepts it", col, animetl.Excerpt(val))
	}
	return "", fmt.Errorf("spark rejected unknown column %q", col)
}
