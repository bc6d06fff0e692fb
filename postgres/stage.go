package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

var (
	_ animetl.Stage          = (*stage)(nil)
	_ animetl.KeyOrderLoader = (*stage)(nil)
)

// stage is one run's stage schema and the connections that fill it.
type stage struct {
	w    *Warehouse
	run  animetl.RunInfo
	lock *runLock
	pool *pgxpool.Pool // search_path = stage, target
	log  *slog.Logger

	// params name the work tables (see stageParams, incrementalParams).
	params schema.Params
	// tx is the transaction of an incremental run: it merges the day into
	// the published user_anime in place and publishes by committing.
	tx     pgx.Tx
	txConn *pgxpool.Conn
	// kept are the published tables an incremental run leaves in place
	// (not made in the stage, not moved by the publish): the catalogue's
	// fixed tables when anime.csv was not loaded.
	kept []string
	// compact says the publish writes user_anime_base again (Finalize
	// found the day tables past FinalizeOptions.CompactAbove).
	compact bool
	// analyzed reports the ANALYZE of a full run's user_anime, which runs
	// beside the checks (nil when none runs): waitAnalyzed.
	analyzed <-chan error
	// early holds the checks' queries a full run's Finalize ran beside its
	// key build (early.go); earlyAnswers counts the ones Query answered.
	early        *early
	earlyAnswers int

	mu     sync.Mutex
	nextID int16
	files  []*animetl.FileLoad
	copied map[int16]int64 // rows each file's COPYs inserted, as the server counted them
	closed bool
}

// stageParams: on PostgreSQL the stage schema is the scratch area, and the
// list load table becomes user_anime itself, its file_id added by Finalize
// (addBaseFile).
var stageParams = schema.Params{Scratch: "", ListTable: "user_anime", Full: true, Dialect: schema.Postgres, ListFileLater: true}

// incrementalParams: user_anime resolves to the published one (search_path
// stage, target), which the deltas merge into.
var incrementalParams = schema.Params{Scratch: "", ListTable: "user_anime", Dialect: schema.Postgres}

// Begin takes the advisory lock, marks runs that died holding it as
// abandoned, records this run, and creates a fresh stage schema.
func (w *Warehouse) Begin(ctx context.Context, run animetl.RunInfo) (animetl.Stage, error) {
	lock, err := w.acquireLock(ctx)
	if err != nil {
		return nil, err
	}
	s := &stage{w: w, run: run, lock: lock, copied: map[int16]int64{}, log: w.log.With(animetl.LogRun, run.ID), params: stageParams}
	s.params.ListUnlogged = w.opts.UnloggedFact
	if run.Mode == animetl.ModeIncremental {
		s.params = incrementalParams
	}
	if err := s.begin(ctx); err != nil {
		s.discard(ctx)
		return nil, err
	}
	return s, nil
}

func (s *stage) begin(ctx context.Context) error {
	w := s.w
	// We hold the lock, so a session still tagged as one of this warehouse's
	// runs belongs to a run that lost it: end it before it writes into the
	// stage we are about to recreate.
	if n, err := s.lock.endLeftovers(ctx); err != nil {
		s.log.Warn("could not end the sessions of a run that lost the run lock", animetl.LogError, err)
	} else if n > 0 {
		s.log.Warn("ended the sessions of a run that lost the run lock", "sessions", n)
	}
	for _, q := range schema.Ops(s.params) {
		if _, err := s.lock.exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: create ledger: %w", err)
		}
	}
	// We hold the lock, so a run still marked running died without finishing.
	tag, err := s.lock.exec(ctx, `UPDATE etl_run SET status = $1, finished_at = now(),
		error = 'the process died before the run finished; nothing was published'
		WHERE status = $2`, string(animetl.StatusAbandoned), string(animetl.StatusRunning))
	if err != nil {
		return fmt.Errorf("postgres: mark abandoned runs: %w", err)
	}
	if tag.RowsAffected() > 0 {
		s.log.Warn("earlier runs died without finishing; marked abandoned", "runs", tag.RowsAffected())
	}
	if _, err := s.lock.exec(ctx, `INSERT INTO etl_run (run_id, mode, status, source, host, pid, started_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.run.ID, string(s.run.Mode), string(animetl.StatusRunning),
		s.run.Source, s.run.Host, int32(s.run.PID), s.run.StartedAt); err != nil {
		return fmt.Errorf("postgres: record run: %w", err)
	}
	for _, q := range []string{
		"DROP SCHEMA IF EXISTS " + ident(w.stage) + " CASCADE",
		"CREATE SCHEMA " + ident(w.stage),
	} {
		if _, err := s.lock.exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: prepare stage schema: %w", err)
		}
	}
	cfg := w.pool.Config().Copy()
	cfg.ConnConfig.RuntimeParams["search_path"] = ident(w.stage) + ", " + ident(w.target)
	cfg.ConnConfig.RuntimeParams["maintenance_work_mem"] = w.opts.MaintenanceWorkMem
	cfg.ConnConfig.RuntimeParams["work_mem"] = w.opts.WorkMem
	cfg.ConnConfig.RuntimeParams["application_name"] = w.runTag()
	// The COPY workers while the list loads; Finalize holds up to five at
	// once (its own, an incremental run's transaction, the model's builder,
	// the two halves of the day's lookups: fillDayOld), as many as one COPY
	// worker (the least) plus four.
	cfg.MaxConns = int32(w.opts.CopyWorkers + 4)
	// A connection opened after the lock's session ended could write into
	// the next run's stage: refuse it.
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error { return s.lock.verify(ctx, c) }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: connect stage: %w", err)
	}
	s.pool = pool
	stmts := schema.Load(s.params)
	if s.run.Mode == animetl.ModeFull {
		stmts = append(stmts, noAutovacuum)
	}
	for _, q := range stmts {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: create load tables: %w", err)
		}
	}
	return nil
}

// noAutovacuum keeps autovacuum off the stage's user_anime until the
// publish turns it back on (autovacuumAgain): the run analyzes the table
// itself, and an autovacuum that starts on millions of fresh rows holds a
// lock the publish's swap must wait for. Its swap attempts give way before
// the server would cancel the autovacuum (PublishAttempt < deadlock_timeout),
// so the publish waited for the whole VACUUM: 12 s at 8M rows.
const noAutovacuum = "ALTER TABLE user_anime SET (autovacuum_enabled = false)"

// autovacuumAgain is the publish's half of noAutovacuum, on the published
// table, named with its schema.
func autovacuumAgain(table string) string {
	return "ALTER TABLE " + table + " RESET (autovacuum_enabled)"
}

// Query runs a statement against the stage (and the ledger); in an
// incremental run after Finalize, inside its transaction.
func (s *stage) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	if len(args) == 0 {
		if r, ok := s.takeEarly(q); ok {
			return r, nil
		}
	}
	var r pgx.Rows
	var err error
	if s.tx != nil {
		r, err = s.tx.Query(ctx, q, args...)
	} else {
		r, err = s.pool.Query(ctx, q, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", animetl.NewStatementError(q, err))
	}
	return &rows{r: r}, nil
}

// AddFile registers a source file in etl_file.
func (s *stage) AddFile(ctx context.Context, f *animetl.FileLoad) error {
	s.mu.Lock()
	s.nextID++
	f.ID = s.nextID
	s.files = append(s.files, f)
	s.mu.Unlock()
	_, err := s.pool.Exec(ctx, `INSERT INTO etl_file (run_id, file_id, name, kind, location, size, etag, version_id,
		delta_date, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS DATE), $10)`, s.run.ID, f.ID, f.Info.Name,
		f.Kind.String(), f.Info.Location, f.Info.Size, nullString(f.Info.ETag), nullString(f.Info.Version),
		nullString(f.Date), modified(f.Info))
	if err != nil {
		return fmt.Errorf("postgres: record file %s: %w", f.Info.Name, err)
	}
	return nil
}

// FinishFile records what was read of f.
func (s *stage) FinishFile(ctx context.Context, f *animetl.FileLoad) error {
	_, err := s.pool.Exec(ctx, `UPDATE etl_file SET rows_read = $1, checksum = $2, etag = $3, version_id = $4
		WHERE run_id = $5 AND file_id = $6`, f.RowsRead, f.Checksum, nullString(f.Info.ETag), nullString(f.Info.Version), s.run.ID, f.ID)
	if err != nil {
		return fmt.Errorf("postgres: record file %s: %w", f.Info.Name, err)
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

// LoadsInKeyOrder: each user's entries come ordered by anime id within a
// batch, so the COPY writes user_anime's heap in runs of key order (the
// CopyWorkers connections interleave their batches' pages). The key index
// is built from that heap, and PostgreSQL sorts rows that lie nearly in key
// order faster: its unique index on the 8M list sorted by key took
// 1.36-1.73 s against 2.15-2.41 s in the file's order; in full runs at 8M
// rows Finalize (the key build, the model beside it) took 2.18-2.45 s
// against 2.45-2.79 s, at 80M 24.2 and 31.5 s against 28.5 and 29.7 s
// (docs/ARCHITECTURE.md, "Loading fast"). The ordering costs the decoders
// 9 ns an entry (dataset.KeyOrder).
func (s *stage) LoadsInKeyOrder() bool { return true }

// LoadList COPYs list entries into the stage's user_anime in PostgreSQL's
// binary format over CopyWorkers connections sharing the batch channel.
func (s *stage) LoadList(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.ListEntry) error {
	n := s.w.opts.CopyWorkers
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		rows int64
		err  error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			conn, err := s.pool.Acquire(ctx)
			if err != nil {
				cancel()
				results <- result{err: err}
				return
			}
			defer conn.Release()
			// The deltas go to list_load with their file; the base goes to
			// user_anime, whose file_id Finalize adds (addBaseFile).
			table, cols := "list_load", "user_id, anime_id, watching_status, rating, watched_episodes, file_id, line"
			base := f.Date == ""
			if base {
				table, cols = "user_anime", "user_id, anime_id, watching_status, rating, watched_episodes, line"
			}
			row, size := listRow(f.ID, !base)
			rows, err := copyBatches(ctx, conn, pgx.Identifier{s.w.stage, table}, cols, in, row, size)
			if err != nil {
				cancel()
			}
			results <- result{rows, err}
		}()
	}
	var first error
	var total int64
	for range n {
		r := <-results
		total += r.rows
		if r.err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = r.err // the cause, not a sibling's cancellation
		}
	}
	if first != nil {
		return fmt.Errorf("postgres: copy %s: %w", f.Info.Name, first)
	}
	s.mu.Lock()
	s.copied[f.ID] += total
	s.mu.Unlock()
	return nil
}

// copyStream COPYs the rows of the batches of in into table as they come
// (the decoder runs beside the COPY), rows turning each value into the
// table's rows (none, one or several).
func copyStream[T any](ctx context.Context, s *stage, table string, cols []string, in <-chan []T, rows func(v *T, out [][]any) [][]any) error {
	src := &batchSource[T]{ctx: ctx, in: in, rows: rows}
	if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{s.w.stage, table}, cols, src); err != nil {
		return fmt.Errorf("postgres: copy %s: %w", table, err)
	}
	return src.err
}

// copyRows COPYs rows into table (nothing for no rows).
func (s *stage) copyRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{s.w.stage, table}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("postgres: copy %s: %w", table, err)
	}
	return nil
}

// batchSource is a pgx.CopyFromSource over a channel of batches.
type batchSource[T any] struct {
	ctx  context.Context
	in   <-chan []T
	rows func(v *T, out [][]any) [][]any
	cur  [][]any
	i    int
	err  error
}

func (b *batchSource[T]) Next() bool {
	for b.i >= len(b.cur) {
		select {
		case <-b.ctx.Done():
			b.err = b.ctx.Err()
			return false
		case batch, ok := <-b.in:
			if !ok {
				return false
			}
			b.cur, b.i = b.cur[:0], 0
			for k := range batch {
				b.cur = b.rows(&batch[k], b.cur)
			}
		}
	}
	b.i++
	return true
}

func (b *batchSource[T]) Values() ([]any, error) { return b.cur[b.i-1], nil }

func (b *batchSource[T]) Err() error { return b.err }

// LoadDeletes COPYs the lines of a deletes file as they come (binary
// format, one connection): a file of any size streams through in one batch
// of memory.
func (s *stage) LoadDeletes(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.ListDelete) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: copy %s: %w", f.Info.Name, err)
	}
	defer conn.Release()
	row, size := deleteRow(f.ID)
	n, err := copyBatches(ctx, conn, pgx.Identifier{s.w.stage, "delete_load"}, "file_id, line, user_id, anime_id", in, row, size)
	if err != nil {
		return fmt.Errorf("postgres: copy %s: %w", f.Info.Name, err)
	}
	s.mu.Lock()
	s.copied[f.ID] += n
	s.mu.Unlock()
	return nil
}

// LoadStatuses COPYs the status lookup.
func (s *stage) LoadStatuses(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.WatchingStatus) error {
	return copyStream(ctx, s, "status_load", []string{"file_id", "line", "status", "description"}, in,
		func(v *animetl.WatchingStatus, out [][]any) [][]any {
			return append(out, []any{f.ID, v.Line, v.Status, v.Description})
		})
}

// LoadSynopses COPYs synopses.
func (s *stage) LoadSynopses(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.Synopsis) error {
	return copyStream(ctx, s, "synopsis_load", []string{"file_id", "line", "anime_id", "name", "synopsis"}, in,
		func(v *animetl.Synopsis, out [][]any) [][]any {
			return append(out, []any{f.ID, v.Line, v.AnimeID, v.Name, v.Text})
		})
}

var animeColumns = []string{"file_id", "line", "anime_id", "name", "english_name", "japanese_name", "type",
	"episodes", "aired_raw", "aired_from", "aired_to", "premiered_season", "premiered_year", "source",
	"duration_minutes", "age_rating", "score", "ranked", "popularity", "members", "favorites", "watching",
	"completed", "on_hold", "dropped", "plan_to_watch"}

// LoadAnime COPYs catalogue rows, their list items and their votes: three
// COPYs at once, each fed every batch as the decoder makes it.
func (s *stage) LoadAnime(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.Anime) error {
	g, gctx := errgroup.WithContext(ctx)
	outs := make([]chan []animetl.Anime, 3)
	for i := range outs {
		outs[i] = make(chan []animetl.Anime, 4)
	}
	g.Go(func() error {
		return copyStream(gctx, s, "anime_load", animeColumns, outs[0], func(v *animetl.Anime, out [][]any) [][]any {
			var score any
			if v.Score != nil {
				score = pgtype.Numeric{Int: big.NewInt(int64(*v.Score)), Exp: -2, Valid: true}
			}
			return append(out, []any{f.ID, v.Line, v.ID, v.Name, v.EnglishName, v.JapaneseName, v.Type,
				v.Episodes, v.AiredRaw, date(v.AiredFrom), date(v.AiredTo), v.PremieredSeason, v.PremieredYear, v.Source,
				v.DurationMinutes, v.AgeRating, score, v.Ranked, v.Popularity, v.Members, v.Favorites, v.Watching,
				v.Completed, v.OnHold, v.Dropped, v.PlanToWatch})
		})
	})
	// The tags and votes are ten rows an anime, 350,000 for the real
	// catalogue: encoded straight into the binary format (copy.go), they
	// cost a fraction of a row of values through pgx's encoders each.
	g.Go(func() error {
		row, size := animeTagRows()
		return copyRaw(gctx, s, "anime_tag_load", "anime_id, kind, position, name", outs[1], row, size)
	})
	g.Go(func() error {
		return copyRaw(gctx, s, "anime_votes_load", "anime_id, score, votes", outs[2], animeVotesRows, 10*animeVotesRowSize)
	})
	g.Go(func() error {
		defer func() {
			for _, o := range outs {
				close(o)
			}
		}()
		for {
			select {
			case <-gctx.Done():
				return gctx.Err()
			case batch, ok := <-in:
				if !ok {
					return nil
				}
				for _, o := range outs {
					select {
					case o <- batch:
					case <-gctx.Done():
						return gctx.Err()
					}
				}
			}
		}
	})
	return g.Wait()
}

func date(t *time.Time) any {
	if t == nil {
		return nil
	}
	return pgtype.Date{Time: *t, Valid: true}
}

var rejectColumns = []string{"run_id", "file", "line", "kind", "field", "reason", "raw"}

// LoadRejects COPYs rejects into the ledger's etl_reject as they come; they
// stay there when the run fails.
func (s *stage) LoadRejects(ctx context.Context, in <-chan []animetl.RowError) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case batch, ok := <-in:
			if !ok {
				return nil
			}
			rows := make([][]any, len(batch))
			for i, e := range batch {
				rows[i] = []any{s.run.ID, e.File, e.Line, string(e.Kind), nullString(e.Column), e.Reason, e.Raw}
			}
			if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{s.w.target, "etl_reject"}, rejectColumns, pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("postgres: copy rejects: %w", err)
			}
		}
	}
}
