package spark

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" driver: an in-memory Parquet reader

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

// output is the Parquet a run's Spark jobs wrote, read back with an
// in-memory DuckDB, one file at a time, in the order the pipeline loads
// them. Read streams rows into the pipeline's callbacks (and so into the
// stage's channels): engine-neutral, but every row crosses Go. ListParquet
// (parquetout.go) hands a list file's entries over as Parquet instead, for
// a stage that ingests it whole.
type output struct {
	dir string
	// uri, when set, is the object-store folder Spark writes to, which
	// is downloaded to dir (s3stage.go).
	uri    string
	files  map[int16]animetl.ListFile
	blocks []block
	// cats holds the rules catalogue.sql applied to each catalogue file.
	cats map[int16][]catCol
	// counts holds the base list's counts (basecounts.sql).
	counts map[int16][]animetl.StatusCount

	once sync.Once
	db   *sql.DB
	err  error
}

// ingestBatch is the number of rows per batch handed to the pipeline.
const ingestBatch = 8192

// Close implements animetl.ListOutput: it removes the run's stage folder.
func (o *output) Close() error {
	var errs []error
	if o.db != nil {
		if err := o.db.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(o.dir); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("spark: remove stage %s: %v", o.dir, errs)
	}
	return nil
}

// open starts the in-memory DuckDB and loads the blocks' line offsets.
func (o *output) open(ctx context.Context) (*sql.DB, error) {
	o.once.Do(func() {
		db, err := sql.Open("duckdb", "")
		if err != nil {
			o.err = fmt.Errorf("spark: open parquet reader: %w", err)
			return
		}
		db.SetMaxOpenConns(1)
		o.db = db
		if _, err := db.ExecContext(ctx, `CREATE TABLE offs (file_id INTEGER, block BIGINT, first_mid BIGINT, before BIGINT)`); err != nil {
			o.err = fmt.Errorf("spark: parquet reader: %w", err)
			return
		}
		sort.Slice(o.blocks, func(i, j int) bool {
			a, b := o.blocks[i], o.blocks[j]
			return a.file < b.file || a.file == b.file && a.start < b.start
		})
		before := map[int16]int64{}
		var vals []string
		for _, b := range o.blocks {
			vals = append(vals, fmt.Sprintf("(%d, %d, %d, %d)", b.file, b.start, b.firstMid, before[b.file]))
			before[b.file] += b.lines
		}
		if len(vals) > 0 {
			if _, err := db.ExecContext(ctx, "INSERT INTO offs VALUES "+strings.Join(vals, ", ")); err != nil {
				o.err = fmt.Errorf("spark: parquet reader: %w", err)
			}
		}
	})
	return o.db, o.err
}

// lines is the number of lines Spark read of a file, header included.
func (o *output) lines(id int16) int64 {
	var n int64
	for _, b := range o.blocks {
		if b.file == id {
			n += b.lines
		}
	}
	return n
}

// parquet returns the read_parquet of one outcome's folder, or "" when
// Spark wrote no such rows.
func (o *output) parquet(job, outcome string) string {
	glob := filepath.Join(o.dir, job, "outcome="+outcome, "*.parquet")
	if m, _ := filepath.Glob(glob); len(m) == 0 {
		return ""
	}
	return "read_parquet(" + duckString(glob) + ")"
}

func duckString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// lineExpr computes a line number from a row's block and position.
const lineExpr = "o.before + (t.mid - o.first_mid) + 1"

// Read implements animetl.ListOutput.
func (o *output) Read(ctx context.Context, f *animetl.FileLoad, entries func([]animetl.ListEntry) error,
	deletes func([]animetl.ListDelete) error, reject func(*animetl.RowError) error) (int64, error) {
	if _, ok := o.files[f.ID]; !ok {
		return 0, fmt.Errorf("spark: %s was not transformed", f.Info.Name)
	}
	db, err := o.open(ctx)
	if err != nil {
		return 0, err
	}
	job := "lists"
	if f.Kind == animetl.KindListDelete {
		job = "deletes"
	}
	var clean int64
	if f.Kind == animetl.KindListDelete {
		clean, err = o.readDeletes(ctx, db, f, deletes)
	} else {
		clean, err = o.readEntries(ctx, db, f, entries)
	}
	if err != nil {
		return 0, err
	}
	rejected, err := o.readRejects(ctx, db, f, job, reject)
	if err != nil {
		return 0, err
	}
	rows := o.lines(f.ID) - 1 // the header
	if rows < 0 {
		return 0, fmt.Errorf("spark: %s: Spark read no line, not even the header", f.Info.Name)
	}
	if clean+rejected != rows {
		return 0, fmt.Errorf("spark: %s: read %d records, yet %d clean and %d rejected", f.Info.Name, rows, clean, rejected)
	}
	return rows, nil
}

func (o *output) readEntries(ctx context.Context, db *sql.DB, f *animetl.FileLoad, emit func([]animetl.ListEntry) error) (int64, error) {
	src := o.parquet("lists", "entry")
	if src == "" {
		return 0, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT t.user_id, t.anime_id, t.rating, t.watching_status, t.watched_episodes, `+lineExpr+`
		FROM `+src+` t JOIN offs o ON o.file_id = t.file_id AND o.block = t.block
		WHERE t.file_id = ? ORDER BY 6`, f.ID) // in line order, as the decoder emits them
	if err != nil {
		return 0, fmt.Errorf("spark: read %s entries: %w", f.Info.Name, err)
	}
	defer rows.Close()
	var n int64
	batch := make([]animetl.ListEntry, 0, ingestBatch)
	for rows.Next() {
		var e animetl.ListEntry
		if err := rows.Scan(&e.UserID, &e.AnimeID, &e.Rating, &e.Status, &e.Episodes, &e.Line); err != nil {
			return 0, fmt.Errorf("spark: read %s entries: %w", f.Info.Name, err)
		}
		batch = append(batch, e)
		n++
		if len(batch) == ingestBatch {
			if err := emit(batch); err != nil {
				return 0, err
			}
			batch = make([]animetl.ListEntry, 0, ingestBatch)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("spark: read %s entries: %w", f.Info.Name, err)
	}
	if len(batch) > 0 {
		if err := emit(batch); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (o *output) readDeletes(ctx context.Context, db *sql.DB, f *animetl.FileLoad, emit func([]animetl.ListDelete) error) (int64, error) {
	src := o.parquet("deletes", "delete")
	if src == "" {
		return 0, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT t.user_id, t.anime_id, `+lineExpr+`
		FROM `+src+` t JOIN offs o ON o.file_id = t.file_id AND o.block = t.block
		WHERE t.file_id = ? ORDER BY 3`, f.ID)
	if err != nil {
		return 0, fmt.Errorf("spark: read %s deletes: %w", f.Info.Name, err)
	}
	defer rows.Close()
	var n int64
	var batch []animetl.ListDelete
	for rows.Next() {
		var d animetl.ListDelete
		if err := rows.Scan(&d.UserID, &d.AnimeID, &d.Line); err != nil {
			return 0, fmt.Errorf("spark: read %s deletes: %w", f.Info.Name, err)
		}
		batch = append(batch, d)
		n++
		if len(batch) == ingestBatch {
			if err := emit(batch); err != nil {
				return 0, err
			}
			batch = nil
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("spark: read %s deletes: %w", f.Info.Name, err)
	}
	if len(batch) > 0 {
		if err := emit(batch); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// readRejects streams one file's rejects or duplicates, worded as the Go
// decoders word them. The header (line 1) is among the rejects Spark
// classified and is skipped.
func (o *output) readRejects(ctx context.Context, db *sql.DB, f *animetl.FileLoad, job string, emit func(*animetl.RowError) error) (int64, error) {
	var globs []string
	for _, outcome := range []string{"reject", "duplicate"} {
		glob := filepath.Join(o.dir, job, "outcome="+outcome, "*.parquet")
		if m, _ := filepath.Glob(glob); len(m) > 0 {
			globs = append(globs, duckString(glob))
		}
	}
	if len(globs) == 0 {
		return 0, nil
	}
	src := "read_parquet([" + strings.Join(globs, ", ") + "], hive_partitioning = true)"
	userCol := "t.user_id, t.anime_id, NULL, NULL, NULL, NULL"
	if job == "lists" { // a repeat's values, to word it as the warehouse does
		userCol = "t.user_id, t.anime_id, t.rating, t.watching_status, t.watched_episodes, t.repeat"
	}
	rows, err := db.QueryContext(ctx, `SELECT `+lineExpr+`, t.outcome, t.verdict, t.col, t.val, t.got, t.fields, t.raw, t.raw_len,
			`+userCol+`, CASE WHEN t.first_block IS NOT NULL THEN f.before + (t.first_mid - f.first_mid) + 1 END
		FROM `+src+` t JOIN offs o ON o.file_id = t.file_id AND o.block = t.block
		LEFT JOIN offs f ON f.file_id = t.file_id AND f.block = t.first_block
		WHERE t.file_id = ? ORDER BY 1`, f.ID)
	if err != nil {
		return 0, fmt.Errorf("spark: read %s rejects: %w", f.Info.Name, err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var (
			line                 int64
			outcome              string
			verdict, col, val    sql.NullString
			got, fields, rawLen  sql.NullInt64
			raw                  []byte
			user, anime, firstAt sql.NullInt64
			rating, status, eps  sql.NullInt64
			repeat               sql.NullString
		)
		if err := rows.Scan(&line, &outcome, &verdict, &col, &val, &got, &fields, &raw, &rawLen, &user, &anime, &rating, &status, &eps, &repeat, &firstAt); err != nil {
			return 0, fmt.Errorf("spark: read %s rejects: %w", f.Info.Name, err)
		}
		if line == 1 {
			continue // the header
		}
		e := &animetl.RowError{File: f.Info.Name, Line: line, Raw: animetl.ClipRawHead(raw, int(rawLen.Int64)), Kind: animetl.KindReject}
		if repeat.Valid {
			*e = animetl.ListRepeat(e.File, e.Line, firstAt.Int64, user.Int64, anime.Int64, rating.Int64, status.Int64, eps.Int64, repeat.String == "same")
		} else if outcome == "duplicate" {
			e.Kind, e.Column = animetl.KindDuplicate, "user_id,anime_id"
			e.Reason = fmt.Sprintf("duplicate of line %d (%s %d)", firstAt.Int64, e.Column, user.Int64<<32|anime.Int64)
		} else if e.Reason, e.Column, err = reason(verdict.String, col.String, fieldText(val.String, raw, rawLen.Int64, o.files[f.ID].Pos[col.String]), fields.Int64, got.Int64, f.Kind); err != nil {
			return 0, fmt.Errorf("spark: %s line %d: %w", f.Info.Name, line, err)
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

// reason words a reject from Spark's verdict as the Go decoders do, and
// names its column. An "int" verdict the Go rule does not confirm is an
// error: the engines would disagree.
func reason(verdict, col, val string, fields, got int64, kind animetl.Kind) (string, string, error) {
	switch verdict {
	case "too_long":
		return fmt.Sprintf("%s (over %d bytes)", dataset.ProblemTooLong, dataset.DefaultMaxRecordBytes), "", nil
	case "blank":
		return dataset.ProblemBlank, "", nil
	case "unterminated":
		return dataset.ProblemUnterminated, "", nil
	case "after_quote":
		return dataset.ProblemAfterQuote, "", nil
	case "fields":
		return fmt.Sprintf("expected %d fields, got %d", fields, got), "", nil
	case "int":
		rules := dataset.ListRules
		if kind == animetl.KindListDelete {
			rules = dataset.DeleteRules
		}
		for _, r := range rules {
			if r.Column == col {
				if why := dataset.IntReason(r, []byte(val)); why != "" {
					return why, col, nil
				}
				return "", "", fmt.Errorf("spark rejected %s %s, the Go rule accepts it", col, animetl.Excerpt(val))
			}
		}
	}
	return "", "", fmt.Errorf("unknown verdict %q (column %q)", verdict, col)
}

// fieldText returns a rejected field's text for its reason. Spark's string
// functions see invalid UTF-8 as U+FFFD; when the value shows one and the
// raw line is whole, the field's own bytes are taken from the raw line
// with the Go reader, so the reason quotes them as the decoder does.
func fieldText(val string, raw []byte, rawLen int64, pos int) string {
	if !strings.ContainsRune(val, utf8.RuneError) || int64(len(raw)) != rawLen {
		return val
	}
	rd := dataset.NewReader(bytes.NewReader(raw))
	rd.SingleLine = true
	rec, err := rd.Next()
	if err != nil || rec.Problem != "" || pos < 0 || pos >= len(rec.Fields) {
		return val
	}
	return string(rec.Fields[pos])
}
