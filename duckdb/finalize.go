package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// Finalize resolves repeated keys of the base list (in user_anime: only
// those the pipeline saw when it knows them, else all it finds) and
// drops its lineage columns, merges the daily deltas into user_anime, then
// builds the model, marts and views, prepares the recommendation tables
// (rec.go), and measures every file's counts. user_anime gets no PRIMARY KEY constraint on DuckDB: an ART index costs
// more than the whole load (about 2 s per 8M rows, and memory that grows
// with the table) and serves no analytic query; the key is guaranteed by
// the repeat resolution and the merge, and checked before every publish.
func (s *stage) Finalize(ctx context.Context, opts animetl.FinalizeOptions) ([]animetl.FileSummary, error) {
	p := s.params
	p.Prior = opts.PriorRatings
	if p.Prior <= 0 {
		p.Prior = animetl.DefaultPriorRatings
	}
	full := s.run.Mode == animetl.ModeFull
	loaded, err := s.countByFile(ctx, `SELECT file_id, count(*) FROM scratch.list_load GROUP BY file_id
		UNION ALL SELECT file_id, count(*) FROM scratch.delete_load GROUP BY file_id`)
	if err != nil {
		return nil, err
	}
	baseID := int16(-1)
	if full {
		if baseID, err = s.countBase(ctx, loaded); err != nil {
			return nil, err
		}
	}
	// resolve resolves the repeated keys of table: keys and those among the
	// rows of users when either is not nil, else every repeated key of the
	// table, once search (a count of them) finds any.
	resolve := func(table, tag string, keys []animetl.ListKey, users []int32, search string) error {
		p := p
		if table == "user_anime" && full {
			// The base list has no file_id (scratchParams): its rows are
			// all the base's.
			p.BaseFile = strconv.Itoa(int(baseID))
		}
		stmts := schema.RepeatsOf(p, table, tag, keys, users)
		if keys == nil && users == nil {
			var repeats int64
			if err := s.db.QueryRowContext(ctx, search).Scan(&repeats); err != nil {
				return fmt.Errorf("duckdb: find repeats: %w", err)
			}
			if repeats == 0 {
				return nil
			}
			stmts = schema.Repeats(p, table, tag)
		}
		if err := s.execAll(ctx, stmts, s.run.ID); err != nil {
			return err
		}
		var want int64
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+p.Scratch+tag+`_repeat_rows WHERE gone`).Scan(&want); err != nil {
			return fmt.Errorf("duckdb: resolve repeats: %w", err)
		}
		if err := s.deleteByRanges(ctx, table, schema.RepeatsDeleteByRange(p, table, tag), want); err != nil {
			return err
		}
		gone, err := s.countByFile(ctx, `SELECT file_id, count(*) FROM scratch.`+tag+`_repeat_rows WHERE rn > 1 GROUP BY file_id`)
		for id, n := range gone {
			loaded[id] -= n
		}
		return err
	}
	baseCounts := opts.BaseCounts
	if full {
		switch {
		case baseCounts == nil: // nil: the base may repeat any keys
			if err := resolve("user_anime", "base", nil, nil, schema.SearchRepeats("user_anime")); err != nil {
				return nil, err
			}
		case len(opts.BaseRepeats) > 0 || len(opts.BaseRepeatUsers) > 0: // the pipeline saw which ones, or whose
			if err := resolve("user_anime", "base", opts.BaseRepeats, opts.BaseRepeatUsers, ""); err != nil {
				return nil, err
			}
			gone, err := s.removedCounts(ctx, p, "base")
			if err != nil {
				return nil, err
			}
			baseCounts = animetl.SubtractCounts(baseCounts, gone)
		}
		if err := s.execAll(ctx, []string{"ALTER TABLE user_anime DROP COLUMN line"}); err != nil {
			return nil, err
		}
	}
	var pending int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM scratch.list_load) + (SELECT count(*) FROM scratch.delete_load)`).Scan(&pending); err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	// The counts before the deltas are the final ones when there are no
	// deltas: the pipeline's go straight into ua_agg (copying them from
	// ua_base through aggregate_delta.sql cost 0.03 s at 8M rows).
	final := full && baseCounts != nil && pending == 0
	// filled reports the pipeline's counts appended to ua_agg on a
	// connection of their own while the model's tables and the catalogue
	// are written (final: nothing before the marts reads them). Finalize
	// runs on about one core there; the 60,000 rows' appends took 35-40 ms
	// of it at 8M rows.
	var filled chan error
	waitFilled := func() error {
		if filled == nil {
			return nil
		}
		err := <-filled
		filled = nil
		return err
	}
	defer waitFilled() //nolint:errcheck // an error path has its error already
	if final {
		filled = make(chan error, 1)
		go func() { filled <- s.fillBase(ctx, p, full, baseCounts, final) }()
	} else if err := s.fillBase(ctx, p, full, baseCounts, final); err != nil {
		return nil, err
	}
	if !full {
		// A warehouse published before user_anime was a view over its
		// base and day tables gets them now, in the stage.
		if err := s.factView(ctx, p); err != nil {
			return nil, err
		}
	}
	if pending > 0 {
		if err := s.execAll(ctx, schema.DayKeys(p)); err != nil {
			return nil, err
		}
		if err := resolve("scratch.list_load", "delta", nil, nil, schema.DayRepeats(p)); err != nil {
			return nil, err
		}
		merge := s.mergeDeltas
		if !full {
			merge = s.mergeDay
		}
		if err := merge(ctx, p); err != nil {
			return nil, err
		}
	}
	if !full {
		if s.compact, err = s.pastCompaction(ctx, opts.CompactAbove); err != nil {
			return nil, err
		}
	}
	var steps []string
	if !final {
		steps = schema.AggregateDelta(p)
	}
	if !full { // rebuild everything but user_anime from the freshly loaded catalogue,
		// or, when anime.csv was not loaded (KeepCatalogue), everything but
		// its catalogue side too: this file is a copy of the published one.
		keep := []string{"user_anime"}
		if opts.KeepCatalogue {
			p.CatalogueInPlace = true
			p.KeepSynopses = opts.KeepSynopses
			keep = append(keep, schema.CatalogueTables...)
		}
		for _, v := range schema.ModelViews {
			steps = append(steps, "DROP VIEW IF EXISTS "+v)
		}
		for _, t := range schema.ModelTables {
			if !slices.Contains(keep, t) {
				steps = append(steps, "DROP TABLE IF EXISTS "+t)
			}
		}
		steps = append(steps, schema.ModelExcept(p.Dialect, keep...)...)
	} else {
		steps = append(steps, schema.Model(p.Dialect)...)
	}
	steps = append(steps, schema.Catalogue(p)...)
	if err := s.execAll(ctx, steps, s.run.ID); err != nil {
		return nil, err
	}
	if err := waitFilled(); err != nil {
		return nil, err
	}
	steps = append(schema.Finalize(p), schema.Views()...)
	steps = append(steps, tableCounts())
	if err := s.execAll(ctx, steps, s.run.ID); err != nil {
		return nil, err
	}
	if err := s.finalizeRecs(ctx, opts.Recommend); err != nil {
		return nil, err
	}
	small, err := s.countByFile(ctx, `SELECT file_id, count(*) FROM scratch.anime_load GROUP BY file_id
		UNION ALL SELECT file_id, count(*) FROM scratch.synopsis_load GROUP BY file_id
		UNION ALL SELECT file_id, count(*) FROM scratch.status_load GROUP BY file_id`)
	if err != nil {
		return nil, err
	}
	for id, n := range small {
		loaded[id] += n
	}
	rejected, duplicate, err := schema.RejectCounts(ctx, s, s.run.ID)
	if err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	c := animetl.Counts{Loaded: loaded, Rejected: rejected, Duplicate: duplicate}
	s.mu.Lock()
	files := append([]*animetl.FileLoad(nil), s.files...)
	s.mu.Unlock()
	sums := animetl.Summaries(files, c)
	for i, f := range files {
		fs := sums[i]
		if _, err := s.db.ExecContext(ctx, `UPDATE etl_file SET rows_loaded = ?, rows_rejected = ?, rows_duplicate = ?
			WHERE run_id = ? AND file_id = ?`, fs.RowsLoaded, fs.RowsRejected, fs.RowsDuplicate, s.run.ID, f.ID); err != nil {
			return nil, fmt.Errorf("duckdb: record counts of %s: %w", f.Info.Name, err)
		}
	}
	if full {
		s.checkpointEarly(ctx)
		// The checks of a full run scan user_anime: its blocks stay in the
		// buffer pool, a cache no check reads twice, that filled the pool
		// on large lists (80M rows: the checks' peak RSS 312-328 MiB, the
		// load's 292-316). They run under a share of the limit; their
		// hash tables are per pass of the key check, or per anime and
		// status. Not below checksFloor: a small limit stays whole.
		if _, s.raised, err = s.lowerLimit(ctx, checksLimitShare, s.checksFloor()); err != nil {
			return nil, err
		}
	}
	return sums, nil
}

// checkpointEarly starts writing what a full run's Finalize made into the
// stage's file (a CHECKPOINT of the main database) on a connection of its
// own, while the checks read it: their first queries are small and leave
// a core idle, and the publish's CHECKPOINT then writes only what the
// checks and the run's record add. It took 60-80 ms at the publish of a
// full run at any size (the catalogue's tables; the list's row groups are
// written during the load), most of the publish: in six alternated 8M
// runs the publish took 0.03-0.04 s against 0.08-0.11, the checks as long.
// An incremental run's checks are too short to hide it (0.17 s against
// 0.10 at 8M, the run no faster). DuckDB checkpoints beside readers; the
// writes after it (RecordChecks, Publish, Abort) wait for it (waitEarly).
// Should it fail, the publish's CHECKPOINT writes everything, as before.
func (s *stage) checkpointEarly(ctx context.Context) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		s.log.Debug("no early checkpoint", animetl.LogError, err)
		return
	}
	done := make(chan error, 1)
	s.early = done
	go func() {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "CHECKPOINT")
		done <- errors.Join(err, conn.Close())
	}()
}

// waitEarly waits for the checkpoint Finalize started, if any. Its failure
// is logged, not returned: the publish's CHECKPOINT writes what it did not.
func (s *stage) waitEarly() {
	if s.early == nil {
		return
	}
	if err := <-s.early; err != nil {
		s.log.Debug("the early checkpoint failed; the publish writes everything", animetl.LogError, err)
	}
	s.early = nil
}

// raiseLimit sets the configured memory limit again after the checks.
func (s *stage) raiseLimit() error {
	if s.raised == nil {
		return nil
	}
	err := s.raised()
	s.raised = nil
	if err != nil {
		return fmt.Errorf("duckdb: memory limit after the checks: %w", err)
	}
	return nil
}

// Concurrently readies the stage for the passes of a check (the key
// check's, quality.Passes): one DuckDB thread a query, and as many queries
// at once as the stage has threads. DuckDB's own parallelism serves those
// passes badly: each is one hash aggregate of a pass's keys (262,144 then), whose threads
// wait on each other more than they work (8M rows: 350-400 ms on two
// threads, 440-510 ms on one, 210-240 ms as two single-threaded passes at
// once). done sets the threads the stage had again.
func (s *stage) Concurrently(ctx context.Context) (int, func() error, error) {
	nop := func() error { return nil }
	var threads int
	if err := s.db.QueryRowContext(ctx, `SELECT CAST(current_setting('threads') AS INTEGER)`).Scan(&threads); err != nil {
		return 0, nop, fmt.Errorf("duckdb: threads: %w", err)
	}
	if threads <= 1 {
		return 1, nop, nil
	}
	// One connection a pass: open them all now, and keep them idle in the
	// pool for the passes.
	s.db.SetMaxIdleConns(threads)
	conns := make([]*sql.Conn, 0, threads)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range threads {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return 0, nop, fmt.Errorf("duckdb: connections for the checks: %w", err)
		}
		conns = append(conns, c)
	}
	if _, err := conns[0].ExecContext(ctx, "SET threads = 1"); err != nil {
		return 0, nop, fmt.Errorf("duckdb: threads for the checks: %w", err)
	}
	return threads, func() error {
		if _, err := s.db.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SET threads = %d", threads)); err != nil {
			return fmt.Errorf("duckdb: threads after the checks: %w", err)
		}
		return nil
	}, nil
}

// factView makes user_anime the view over user_anime_base and its day
// tables (fact.sql) when the stage's user_anime is still a table: the list
// table of a full run, or the published user_anime of a warehouse made
// before the view. It is a rename and two empty tables.
func (s *stage) factView(ctx context.Context, p schema.Params) error {
	var kind string
	err := s.db.QueryRowContext(ctx, `SELECT table_type FROM information_schema.tables
		WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = 'user_anime'`).Scan(&kind)
	if err != nil {
		return fmt.Errorf("duckdb: user_anime: %w", err)
	}
	if kind == "VIEW" {
		return nil
	}
	steps := append([]string{"ALTER TABLE user_anime RENAME TO user_anime_base"}, schema.Fact(p)...)
	return s.execAll(ctx, steps)
}

// pastCompaction reports whether user_anime's day tables hold more than
// share of the base's rows (counts from the tables' metadata).
func (s *stage) pastCompaction(ctx context.Context, share float64) (bool, error) {
	if share <= 0 {
		share = animetl.DefaultCompactAbove
	}
	var base, day int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM user_anime_base),
		(SELECT count(*) FROM user_anime_delta) + (SELECT count(*) FROM user_anime_gone)`).Scan(&base, &day); err != nil {
		return false, fmt.Errorf("duckdb: size of user_anime's tables: %w", err)
	}
	return float64(day) > share*float64(base), nil
}

// compactFact writes user_anime_base again from the checked user_anime
// view and empties the day tables, in the stage before its checkpoint: the
// copy must hold as many rows as the checked marts count. The view's order
// is kept, not sorted: the base's rows in their order (a full run's are in
// the list file's, each user's together), then the delta's, in the days'
// order. Sorting by key cost 15.5 s at 80M rows against 6.2 s.
func (s *stage) compactFact(ctx context.Context) error {
	t0 := time.Now()
	var want int64
	if err := s.db.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM scratch.ua_agg`).Scan(&want); err != nil {
		return fmt.Errorf("duckdb: compact user_anime: %w", err)
	}
	copyRows := `CREATE TABLE user_anime_compact AS
		SELECT user_id, anime_id, watching_status, rating, watched_episodes FROM user_anime`
	if err := s.execAll(ctx, []string{copyRows}); err != nil {
		return err
	}
	var got int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM user_anime_compact`).Scan(&got); err != nil {
		return fmt.Errorf("duckdb: compact user_anime: %w", err)
	}
	if got != want {
		return fmt.Errorf("duckdb: compact user_anime: the copy holds %d rows, the checked marts count %d", got, want)
	}
	steps := []string{"DROP VIEW user_anime", "DROP TABLE user_anime_delta", "DROP TABLE user_anime_gone",
		"DROP TABLE user_anime_base", "ALTER TABLE user_anime_compact RENAME TO user_anime_base"}
	if err := s.execAll(ctx, append(steps, schema.Fact(s.params)...)); err != nil {
		return err
	}
	s.log.Info("user_anime compacted: its base written again from the view, its day tables emptied",
		"rows", got, animetl.LogDuration, time.Since(t0))
	return nil
}

// tableCounts records the published tables' sizes in etl_table ($1 is the
// run), for the drift check.
func tableCounts() string { return schema.TableCounts(scratchParams) }

// fillBase fills scratch.ua_base, the counts of user_anime before the
// deltas: in a full run from the pipeline's exact counts of the base when it
// has them; in an incremental run from the published anime_status_stats;
// else by scanning user_anime. final puts the pipeline's counts in
// scratch.ua_agg instead: there are no deltas to apply to them.
func (s *stage) fillBase(ctx context.Context, p schema.Params, full bool, counts []animetl.StatusCount, final bool) error {
	if full && counts != nil {
		table := "ua_base"
		if final {
			table = "ua_agg"
		}
		apps, done, err := s.appenders(ctx, "scratch", table)
		if err != nil {
			return err
		}
		for _, c := range counts {
			if err := apps[0].AppendRow(c.AnimeID, c.Status, c.Entries, c.Ratings, c.RatingSum); err != nil {
				return done(fmt.Errorf("duckdb: append counts: %w", err))
			}
		}
		return done(nil)
	}
	if !full {
		var have int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables()
			WHERE database_name = current_database() AND table_name = 'anime_status_stats'`).Scan(&have); err != nil {
			return fmt.Errorf("duckdb: %w", err)
		}
		if have > 0 {
			return s.execAll(ctx, []string{`INSERT INTO scratch.ua_base BY NAME SELECT * FROM anime_status_stats`})
		}
	}
	return s.execAll(ctx, schema.Aggregate(p))
}

// removedCounts counts the rows the repeats' resolution (tag) removed per
// anime and status.
func (s *stage) removedCounts(ctx context.Context, p schema.Params, tag string) ([]animetl.StatusCount, error) {
	rows, err := s.db.QueryContext(ctx, schema.RepeatsRemoved(p, tag))
	if err != nil {
		return nil, fmt.Errorf("duckdb: count removed repeats: %w", err)
	}
	defer rows.Close()
	var out []animetl.StatusCount
	for rows.Next() {
		var c animetl.StatusCount
		if err := rows.Scan(&c.AnimeID, &c.Status, &c.Entries, &c.Ratings, &c.RatingSum); err != nil {
			return nil, fmt.Errorf("duckdb: count removed repeats: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("duckdb: count removed repeats: %w", err)
	}
	return out, nil
}

func (s *stage) countByFile(ctx context.Context, q string) (map[int16]int64, error) {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("duckdb: count: %w", err)
	}
	defer rows.Close()
	out := map[int16]int64{}
	for rows.Next() {
		var id int16
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] += n
	}
	return out, rows.Err()
}

// countBase adds the rows of user_anime after a full run's load to loaded,
// under the base list's file id, which it returns (-1 when the run loaded
// no base list and the table is empty). They are that one file's
// (scratchParams): DuckDB answers the count from its metadata.
func (s *stage) countBase(ctx context.Context, loaded map[int16]int64) (int16, error) {
	id := int16(-1)
	s.mu.Lock()
	for _, f := range s.files {
		if f.Kind == animetl.KindAnimeList && f.Date == "" {
			if id >= 0 {
				s.mu.Unlock()
				return -1, fmt.Errorf("duckdb: a full run loads one base list, got two (file ids %d and %d)", id, f.ID)
			}
			id = f.ID
		}
	}
	s.mu.Unlock()
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM user_anime`).Scan(&n); err != nil {
		return -1, fmt.Errorf("duckdb: count: %w", err)
	}
	if n > 0 {
		if id < 0 {
			return -1, fmt.Errorf("duckdb: user_anime holds %d rows and the run loaded no base list", n)
		}
		loaded[id] += n
	}
	return id, nil
}

// RecordChecks stores check results in etl_check.
func (s *stage) RecordChecks(ctx context.Context, results []animetl.CheckResult) error {
	s.waitEarly()
	if err := s.raiseLimit(); err != nil {
		return err
	}
	return recordChecks(ctx, s.db, s.run.ID, results)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// recordChecks stores the results in one statement: one INSERT each cost
// a commit each (75 ms for the 29 checks of a run). A name given twice
// keeps its last result, as one INSERT OR REPLACE after another would.
func recordChecks(ctx context.Context, db execer, runID string, results []animetl.CheckResult) error {
	results = animetl.LastByName(results)
	if len(results) == 0 {
		return nil
	}
	now := time.Now().UTC()
	var b strings.Builder
	b.WriteString(`INSERT OR REPLACE INTO etl_check (run_id, name, severity, status, observed, threshold, checked_at) VALUES `)
	args := make([]any, 0, 7*len(results))
	for i, r := range results {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		args = append(args, runID, r.Name, string(r.Severity), string(r.Status), r.Observed, r.Threshold, now)
	}
	if _, err := db.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("duckdb: record checks: %w", err)
	}
	return nil
}

func recordRun(ctx context.Context, db execer, sum *animetl.RunSummary) error {
	t := sum.Totals()
	_, err := db.ExecContext(ctx, `UPDATE etl_run SET status = ?, finished_at = ?, rows_read = ?, rows_loaded = ?,
		rows_rejected = ?, rows_duplicate = ?, error = ?, phases = ? WHERE run_id = ?`,
		string(sum.Status), sum.FinishedAt, t.RowsRead, t.RowsLoaded, t.RowsRejected, t.RowsDuplicate,
		nullString(sum.Error), sum.PhasesJSON(), sum.RunID)
	if err != nil {
		return fmt.Errorf("duckdb: record run: %w", err)
	}
	return nil
}

// Publish records the run as succeeded, closes the stage and renames it over
// the published file.
func (s *stage) Publish(ctx context.Context, sum *animetl.RunSummary) error {
	s.waitEarly()
	if err := s.raiseLimit(); err != nil {
		return err
	}
	if err := recordRun(ctx, s.db, sum); err != nil {
		return err
	}
	// The scratch database is removed after the run: detaching it must not
	// checkpoint it (writing its load tables cost 0.06-0.12 s a run). With
	// checkpoints on shutdown off, the CHECKPOINT below is what writes the
	// stage's changes into its file; a write-ahead log left after closing
	// would hold a change the published file lacks, so publish refuses.
	if s.run.Mode == animetl.ModeFull {
		// The checked list table becomes the base of the user_anime view,
		// with empty day tables (fact.sql); the seed views find the view
		// by its name.
		if err := s.factView(ctx, s.params); err != nil {
			return err
		}
	}
	if s.compact {
		if err := s.compactFact(ctx); err != nil {
			return err
		}
	}
	for _, q := range []string{"PRAGMA disable_checkpoint_on_shutdown", "DETACH scratch", "CHECKPOINT"} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: %s: %w", q, err)
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("duckdb: close stage: %w", err)
	}
	s.db = nil
	if fi, err := os.Stat(s.w.stagePath() + ".wal"); err == nil && fi.Size() > 0 {
		return fmt.Errorf("duckdb: publish: the stage left a write-ahead log of %d bytes after its checkpoint", fi.Size())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.waitCopied(); err != nil {
		return fmt.Errorf("duckdb: sync the copy of the published file: %w", err)
	}
	s.waitPrevGone()
	animetl.Failpoint("publish")
	if err := replaceFile(s.w.stagePath(), s.w.opts.Path, s.w.prevPath()); err != nil {
		return fmt.Errorf("duckdb: publish %s: %w", s.w.opts.Path, err)
	}
	s.closed = true
	// The stage carried the side ledger's failed runs; the published file
	// now holds them.
	if err := removeDB(s.w.runsPath()); err != nil {
		s.log.Warn("removing the carried side ledger", animetl.LogError, err)
	}
	s.cleanup()
	return nil
}

// Abort discards the stage and records the failed run in the side ledger
// (PATH.runs); the published file is left exactly as it was.
func (s *stage) Abort(ctx context.Context, sum *animetl.RunSummary) error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.waitEarly()
	if s.db != nil {
		s.db.Close()
		s.db = nil
	}
	err := s.recordFailure(ctx, sum)
	s.cleanup()
	return err
}

// discard drops a stage that never started.
func (s *stage) discard() {
	s.closed = true
	if s.db != nil {
		s.db.Close()
		s.db = nil
	}
	s.cleanup()
}

// waitPrevGone waits for the removal of the file the last publish replaced;
// one that failed is only worth a warning (replaceFile removes what is left
// before it keeps the next one).
func (s *stage) waitPrevGone() {
	if s.prevGone == nil {
		return
	}
	if err := <-s.prevGone; err != nil {
		s.log.Warn("removing the file the last publish replaced", animetl.LogError, err)
	}
	s.prevGone = nil
}

// waitCopied waits for the background sync of the stage's copy of the
// published file, if there is one, and returns its error (once).
func (s *stage) waitCopied() error {
	if s.copied == nil {
		return nil
	}
	err := <-s.copied
	s.copied = nil
	return err
}

// cleanup removes the stage's files and releases the lock.
func (s *stage) cleanup() {
	_ = s.waitCopied() // the files go: a failed sync of them does not matter
	s.waitPrevGone()
	for _, p := range []string{s.w.stagePath(), s.w.scratchPath(), s.w.runsPath() + ".new"} {
		if err := removeDB(p); err != nil {
			s.log.Warn("removing run files", animetl.LogError, err)
		}
	}
	if err := s.lock.release(); err != nil {
		s.log.Warn("releasing the run lock", animetl.LogError, err)
	}
}
