package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"sync"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

var _ animetl.Stage = (*stage)(nil)

// stage is one run's new database file, PATH.stage, with its work tables in
// PATH.scratch attached as "scratch".
type stage struct {
	w    *Warehouse
	run  animetl.RunInfo
	lock *fileLock
	dead *animetl.LockHolder // the run that died holding the lock, if any
	db   *sql.DB
	log  *slog.Logger

	// params name the work tables (scratchParams, incrementalParams).
	params schema.Params

	// compact says the publish writes user_anime_base again (Finalize
	// found the day tables past FinalizeOptions.CompactAbove).
	compact bool

	// isCopy says the stage is a copy of the published file (an incremental
	// run's), not yet synced; copied reports its sync in the background
	// once the merge started it (mergeDay; nil before): waitCopied.
	isCopy bool
	copied <-chan error
	// prevGone reports the removal, in the background, of the file the
	// last publish replaced (Warehouse.prevPath).
	prevGone <-chan error

	// early reports the checkpoint Finalize started on its own connection
	// once the model was written (nil when none runs): waitEarly.
	early <-chan error

	// raised sets the configured memory limit again after a full run's
	// checks, which run under a share of it (Finalize; nil when they do
	// not): RecordChecks or Publish calls it.
	raised func() error

	mu     sync.Mutex
	nextID int16
	files  []*animetl.FileLoad
	closed bool
}

// scratchParams: work tables live in the throwaway scratch file; in a full
// run the base list loads straight into user_anime, whose lineage columns
// are dropped once repeats are resolved; delta files into scratch.list_load.
// The base list is one file, so user_anime is made without file_id
// (ListFileLater): when Finalize resolves its repeats, the repeats SQL
// reads the base's file id as a constant (schema.Params.BaseFile). A
// stored column of one constant still cost DuckDB its statistics and
// compression analysis on every row, about 0.1 s of an 8M-row load.
var scratchParams = schema.Params{Scratch: "scratch.", ListTable: "user_anime", Full: true, ListFileLater: true}

// incrementalParams: an incremental run merges into the copied user_anime.
var incrementalParams = schema.Params{Scratch: "scratch.", ListTable: "user_anime"}

// Begin takes the run lock, clears what a dead run left behind, and creates
// a new stage database that already holds the ledger of the published one.
func (w *Warehouse) Begin(ctx context.Context, run animetl.RunInfo) (animetl.Stage, error) {
	me := animetl.LockHolder{RunID: run.ID, Host: run.Host, PID: run.PID, StartedAt: run.StartedAt}
	lock, dead, err := acquireLock(ctx, w.lockPath(), w.opts.LockTimeout, me)
	if err != nil {
		return nil, err
	}
	s := &stage{w: w, run: run, lock: lock, log: w.log.With(animetl.LogRun, run.ID), params: scratchParams}
	if run.Mode == animetl.ModeIncremental {
		s.params = incrementalParams
	}
	if err := s.begin(ctx, dead); err != nil {
		s.discard()
		return nil, err
	}
	return s, nil
}

func (s *stage) begin(ctx context.Context, dead *animetl.LockHolder) error {
	w := s.w
	for _, p := range []string{w.stagePath(), w.scratchPath(), w.runsPath() + ".new"} {
		if err := removeDB(p); err != nil {
			return fmt.Errorf("duckdb: clear leftovers of an earlier run: %w", err)
		}
	}
	s.prevGone = removeInBackground(w.prevPath())
	if dead != nil {
		s.log.Warn("an earlier run died without finishing; its leftovers were removed", "dead_run", dead.RunID, "dead_pid", dead.PID)
	}
	// An incremental run starts from a copy of the published file (its
	// user_anime, its ledger); a full run from an empty one that carries
	// the published ledger over.
	incremental := s.run.Mode == animetl.ModeIncremental
	if incremental {
		switch err := copyFile(w.opts.Path, w.stagePath()); {
		case err == nil:
			s.isCopy = true
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("duckdb: copy the published file: %w", err)
		}
	}
	c, err := w.connector(w.stagePath(), false)
	if err != nil {
		return err
	}
	s.db = sql.OpenDB(c)
	if err := s.execAll(ctx, schema.Ops(s.params)); err != nil {
		return err
	}
	if err := s.carryLedger(ctx, !incremental); err != nil {
		return err
	}
	if dead != nil {
		s.dead = dead
		if _, err := s.db.ExecContext(ctx, `INSERT INTO etl_run (run_id, mode, status, host, pid, started_at, finished_at, error)
			SELECT ?, 'unknown', ?, ?, ?, ?, ?, ?
			WHERE NOT EXISTS (SELECT 1 FROM etl_run WHERE run_id = ?)`,
			dead.RunID, string(animetl.StatusAbandoned), dead.Host, int32(dead.PID), dead.StartedAt, time.Now().UTC(), abandonedError, dead.RunID); err != nil {
			return fmt.Errorf("duckdb: record abandoned run: %w", err)
		}
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO etl_run (run_id, mode, status, source, host, pid, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, s.run.ID, string(s.run.Mode), string(animetl.StatusRunning),
		s.run.Source, s.run.Host, int32(s.run.PID), s.run.StartedAt); err != nil {
		return fmt.Errorf("duckdb: record run: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS scratch", sqlString(w.scratchPath()))); err != nil {
		return fmt.Errorf("duckdb: attach scratch: %w", err)
	}
	return s.execAll(ctx, schema.Load(s.params))
}

func sqlString(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func (s *stage) execAll(ctx context.Context, stmts []string, args ...any) error {
	for _, q := range stmts {
		t0 := time.Now()
		if _, err := s.db.ExecContext(ctx, q, argsFor(q, args)...); err != nil {
			return fmt.Errorf("duckdb: %w", animetl.NewStatementError(q, err))
		}
		s.log.Debug("sql", "statement", firstLine(q), animetl.LogDuration, time.Since(t0))
	}
	return nil
}

// argsFor passes the arguments only to statements that use them.
func argsFor(q string, args []any) []any {
	for i := len(args); i > 0; i-- {
		if containsParam(q, i) {
			return args[:i]
		}
	}
	return nil
}

func containsParam(q string, i int) bool {
	p := fmt.Sprintf("$%d", i)
	for j := 0; j+len(p) <= len(q); j++ {
		if q[j:j+len(p)] == p && (j+len(p) == len(q) || q[j+len(p)] < '0' || q[j+len(p)] > '9') {
			return true
		}
	}
	return false
}

func firstLine(q string) string {
	for i, c := range q {
		if c == '\n' {
			return q[:i] + " ..."
		}
	}
	return q
}

// Query runs a statement against the stage (checks use it before publish).
func (s *stage) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("duckdb: %w", animetl.NewStatementError(q, err))
	}
	return newRows(rows, nil)
}

// AddFile registers a source file in etl_file.
func (s *stage) AddFile(ctx context.Context, f *animetl.FileLoad) error {
	s.mu.Lock()
	s.nextID++
	f.ID = s.nextID
	s.files = append(s.files, f)
	s.mu.Unlock()
	_, err := s.db.ExecContext(ctx, `INSERT INTO etl_file (run_id, file_id, name, kind, location, size, etag, version_id,
		delta_date, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS DATE), ?)`, s.run.ID, f.ID, f.Info.Name, f.Kind.String(),
		f.Info.Location, f.Info.Size, nullString(f.Info.ETag), nullString(f.Info.Version), nullString(f.Date), modified(f.Info))
	if err != nil {
		return fmt.Errorf("duckdb: record file %s: %w", f.Info.Name, err)
	}
	return nil
}

// FinishFile records what was read of f.
func (s *stage) FinishFile(ctx context.Context, f *animetl.FileLoad) error {
	_, err := s.db.ExecContext(ctx, `UPDATE etl_file SET rows_read = ?, checksum = ?, etag = ?, version_id = ?
		WHERE run_id = ? AND file_id = ?`, f.RowsRead, f.Checksum, nullString(f.Info.ETag), nullString(f.Info.Version), s.run.ID, f.ID)
	if err != nil {
		return fmt.Errorf("duckdb: record file %s: %w", f.Info.Name, err)
	}
	return nil
}

// modified is a file's modification time as the ledger keeps it
// (microseconds), or NULL when unknown.
func modified(f animetl.FileInfo) any {
	if f.ModTime.IsZero() {
		return nil
	}
	return f.ModTime.UTC().Truncate(time.Microsecond)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// appendAll consumes batches into one table through a DuckDB appender on a
// connection of its own.
func appendAll[T any](ctx context.Context, s *stage, catalog, table string, in <-chan []T, row func(a *duck.Appender, v T) error) error {
	apps, done, err := s.appenders(ctx, catalog, table)
	if err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return done(ctx.Err())
		case batch, ok := <-in:
			if !ok {
				return done(nil)
			}
			for _, v := range batch {
				if err := row(apps[0], v); err != nil {
					return done(fmt.Errorf("duckdb: append %s: %w", table, err))
				}
			}
		}
	}
}

// LoadDeletes appends the lines of a deletes file.
func (s *stage) LoadDeletes(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.ListDelete) error {
	id := f.ID
	return appendAll(ctx, s, "scratch", "delete_load", in, func(a *duck.Appender, v animetl.ListDelete) error {
		return a.AppendRow(id, v.Line, v.UserID, v.AnimeID)
	})
}

// LoadStatuses appends the status lookup.
func (s *stage) LoadStatuses(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.WatchingStatus) error {
	id := f.ID
	return appendAll(ctx, s, "scratch", "status_load", in, func(a *duck.Appender, v animetl.WatchingStatus) error {
		return a.AppendRow(id, v.Line, v.Status, v.Description)
	})
}

// LoadSynopses appends synopses.
func (s *stage) LoadSynopses(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.Synopsis) error {
	id := f.ID
	return appendAll(ctx, s, "scratch", "synopsis_load", in, func(a *duck.Appender, v animetl.Synopsis) error {
		return a.AppendRow(id, v.Line, v.AnimeID, ptr(v.Name), ptr(v.Text))
	})
}

// LoadAnime appends catalogue rows, their list items and their votes.
func (s *stage) LoadAnime(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.Anime) error {
	id := f.ID
	apps, done, err := s.appenders(ctx, "scratch", "anime_load", "anime_tag_load", "anime_votes_load")
	if err != nil {
		return err
	}
	row := func(v animetl.Anime) error {
		var score any
		if v.Score != nil {
			score = duck.Decimal{Width: 4, Scale: 2, Value: big.NewInt(int64(*v.Score))}
		}
		if err := apps[0].AppendRow(id, v.Line, v.ID, ptr(v.Name), ptr(v.EnglishName), ptr(v.JapaneseName), ptr(v.Type),
			ptr(v.Episodes), ptr(v.AiredRaw), ptr(v.AiredFrom), ptr(v.AiredTo), ptr(v.PremieredSeason),
			ptr(v.PremieredYear), ptr(v.Source), ptr(v.DurationMinutes), ptr(v.AgeRating), score, ptr(v.Ranked),
			ptr(v.Popularity), ptr(v.Members), ptr(v.Favorites), ptr(v.Watching), ptr(v.Completed),
			ptr(v.OnHold), ptr(v.Dropped), ptr(v.PlanToWatch)); err != nil {
			return err
		}
		for _, t := range schema.AnimeTags(&v) {
			if err := apps[1].AppendRow(v.ID, t.Dim, t.Position, t.Name); err != nil {
				return err
			}
		}
		for i, n := range v.Votes {
			if n != nil {
				if err := apps[2].AppendRow(v.ID, int16(i+1), *n); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return done(ctx.Err())
		case batch, ok := <-in:
			if !ok {
				return done(nil)
			}
			for _, v := range batch {
				if err := row(v); err != nil {
					return done(fmt.Errorf("duckdb: append anime: %w", err))
				}
			}
		}
	}
}

// appenders opens one appender per table on one connection. done closes
// them (flushing when err is nil) and returns the first error.
func (s *stage) appenders(ctx context.Context, catalog string, tables ...string) ([]*duck.Appender, func(error) error, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("duckdb: %w", err)
	}
	apps := make([]*duck.Appender, 0, len(tables))
	done := func(err error) error {
		for i, a := range apps {
			if cerr := a.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("duckdb: append %s: %w", tables[i], cerr)
			}
		}
		if cerr := conn.Close(); cerr != nil && err == nil {
			err = cerr
		}
		return err
	}
	for _, t := range tables {
		var app *duck.Appender
		if err := conn.Raw(func(dc any) error {
			var err error
			app, err = duck.NewAppender(dc.(driver.Conn), catalog, "main", t)
			return err
		}); err != nil {
			return nil, nil, done(fmt.Errorf("duckdb: appender %s: %w", t, err))
		}
		apps = append(apps, app)
	}
	return apps, done, nil
}

// ptr turns a nil pointer into a NULL and any other into its value.
func ptr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// rejectFlushBytes bounds the raw text a reject appender holds before it
// flushes. DuckDB's appender buffers up to 204,800 rows in memory before it
// writes them to the table, so a flood of long rejected lines (up to
// MaxRawBytes each) grew memory with their count; flushing by size keeps
// the reject path's memory flat whatever the count.
const rejectFlushBytes = 8 << 20

// LoadRejects appends rejects to the stage's etl_reject, flushing every
// rejectFlushBytes of raw text.
func (s *stage) LoadRejects(ctx context.Context, in <-chan []animetl.RowError) error {
	run := s.run.ID
	apps, done, err := s.appenders(ctx, "", "etl_reject")
	if err != nil {
		return err
	}
	held := 0
	for {
		select {
		case <-ctx.Done():
			return done(ctx.Err())
		case batch, ok := <-in:
			if !ok {
				return done(nil)
			}
			for _, e := range batch {
				if err := apps[0].AppendRow(run, e.File, e.Line, string(e.Kind), nullString(e.Column), e.Reason, e.Raw); err != nil {
					return done(fmt.Errorf("duckdb: append etl_reject: %w", err))
				}
				held += len(e.Raw) + len(e.Reason) + len(e.File) + 64
			}
			if held >= rejectFlushBytes {
				if err := apps[0].Flush(); err != nil {
					return done(fmt.Errorf("duckdb: flush etl_reject: %w", err))
				}
				held = 0
			}
		}
	}
}
