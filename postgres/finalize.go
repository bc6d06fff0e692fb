package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// Finalize keys the base list in user_anime (resolving the repeated keys
// the pipeline saw, or, when it could not tell, searching for them only
// when the unique index finds some), merges the daily deltas into it, builds
// the model, marts and views, prepares the recommendation tables (rec.go),
// and measures every file's counts. In an incremental run only the merge's
// writes happen inside the transaction that Publish commits.
func (s *stage) Finalize(ctx context.Context, opts animetl.FinalizeOptions) ([]animetl.FileSummary, error) {
	p := s.params
	p.Prior = opts.PriorRatings
	if p.Prior <= 0 {
		p.Prior = animetl.DefaultPriorRatings
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer conn.Release()
	s.mu.Lock()
	loaded := make(map[int16]int64, len(s.copied))
	for id, n := range s.copied {
		loaded[id] = n
	}
	files := append([]*animetl.FileLoad(nil), s.files...)
	s.mu.Unlock()

	var pending int64
	if err := conn.QueryRow(ctx, "SELECT (SELECT count(*) FROM list_load) + (SELECT count(*) FROM delete_load)").Scan(&pending); err != nil {
		return nil, fmt.Errorf("postgres: count deltas: %w", err)
	}
	full := s.run.Mode == animetl.ModeFull
	if full {
		if err := s.addBaseFile(ctx, conn, files); err != nil {
			return nil, err
		}
	} else {
		if err := s.convertPublished(ctx); err != nil {
			return nil, err
		}
	}
	var q execer = conn
	var removed []map[int16]int64
	baseCounts := opts.BaseCounts
	if full && baseCounts != nil && (len(opts.BaseRepeats) > 0 || len(opts.BaseRepeatUsers) > 0) {
		// The pipeline saw the few repeated keys go by, and the few users
		// whose keys may repeat across their blocks: resolve only those,
		// so that the unique index builds at the first attempt.
		r, err := s.resolveRepeats(ctx, conn, p, "user_anime", "known", opts.BaseRepeats, opts.BaseRepeatUsers, "")
		if err != nil {
			return nil, err
		}
		removed = append(removed, r)
		gone, err := s.removedCounts(ctx, conn, p, "known")
		if err != nil {
			return nil, err
		}
		baseCounts = animetl.SubtractCounts(baseCounts, gone)
	}
	// The catalogue side of the model reads no list: a second connection
	// builds it while this one keys or merges the lists (the stage is
	// private until the publish). When the pipeline's counts make the marts
	// independent of user_anime and there are no deltas (whole), or in an
	// incremental run, that connection builds the whole model.
	whole := full && baseCounts != nil && pending == 0
	model := schema.Model(p.Dialect)
	if !full && opts.KeepCatalogue {
		// anime.csv was not loaded: anime's catalogue rows are copied from
		// the published anime, which this run replaces only at its publish;
		// the rest of the catalogue side (schema.CatalogueFixed) is not made
		// in the stage at all: the stage's statements find the published
		// tables on the search_path, and the publish leaves them in place.
		p.Published = ident(s.w.target) + "."
		p.KeepSynopses = opts.KeepSynopses
		model = schema.ModelExcept(p.Dialect, schema.CatalogueFixed...)
		s.kept = schema.CatalogueFixed
	}
	// In an incremental run only the merge's end (merge_apply.sql) writes
	// the published user_anime, in the transaction the publish commits: the
	// day's work tables are made on this connection first, then, while the
	// transaction merges, a third connection copies the rows the merge
	// replaces (read as published: the transaction's changes are invisible
	// to other connections until it commits).
	side := whole || !full       // the whole model is built on the second connection
	ready := make(chan struct{}) // the day's work tables are made
	based := make(chan struct{}) // ua_old and ua_base are filled
	var deleted int64
	g, gctx := errgroup.WithContext(ctx)
	var keyRemoved map[int16]int64 // rows the key build removed (repeats the pipeline did not see)
	// With the whole model on this lane, the early checks' scan of
	// user_anime (early.go) starts once the tables it reads are committed:
	// the catalogue's tag dimensions, bridges and score votes, which it
	// does not read, follow in a second transaction. Started a second
	// sooner at 8M rows, the scan ends beside the key build instead of
	// after it, alone on one core while the ALTER TABLE that ends the key
	// build waits for it.
	catalogue, later := schema.Catalogue(p), []string(nil)
	if whole {
		catalogue, later = schema.CatalogueSplit(p)
	}
	g.Go(func() error {
		err := s.inTx(gctx, func(c2 pgx.Tx) error {
			// This lane reads catalogue-sized tables (the load tables of
			// anime.csv, the counts per anime and status) and, in an
			// incremental run, the day's: compiling its statements (JIT,
			// on by the planner's estimates) only takes CPU from the key
			// index or the merge beside it.
			if _, err := c2.Exec(gctx, "SET LOCAL jit = off"); err != nil {
				return fmt.Errorf("postgres: %w", err)
			}
			// anime is analyzed here, off the lists' path, on anime_id only:
			// the column the model and the marts join on, for a tenth of the
			// time of every column (130 ms of CPU at 17,600 anime, most of it
			// sorting the text columns). A partial ANALYZE leaves the table's
			// count of changes as it was, so autovacuum's own ANALYZE of every
			// column follows soon after the publish, and it follows the rows
			// the lists add to anime later (inferred ids) too.
			steps := append(model, catalogue...)
			steps = append(steps, "ANALYZE "+ident(s.w.stage, "anime")+" (anime_id)")
			if err := execAll(gctx, c2, steps, s.run.ID); err != nil {
				return err
			}
			switch {
			case !side:
				return nil
			case full:
				// whole: the pipeline's counts are the final ones.
				if err := s.fillCounted(gctx, c2, baseCounts); err != nil {
					return err
				}
				counted := p
				counted.Counted = true
				return s.buildModel(gctx, c2, counted)
			default:
				select {
				case <-based:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return s.buildModel(gctx, c2, p)
		})
		if err == nil && whole {
			// Every table the early checks read is final (the model lane
			// built the marts from the pipeline's counts and committed),
			// unless the key build removes rows: early.go.
			s.startEarly(ctx, opts.EarlyChecks)
			if len(later) > 0 {
				err = s.inTx(gctx, func(c2 pgx.Tx) error {
					if _, err := c2.Exec(gctx, "SET LOCAL jit = off"); err != nil {
						return fmt.Errorf("postgres: %w", err)
					}
					return execAll(gctx, c2, later, s.run.ID)
				})
			}
		}
		return err
	})
	if side && !full {
		// A third connection copies the rows the merge replaces and the
		// published counts, beside the catalogue side and the merge.
		g.Go(func() error {
			select {
			case <-ready:
			case <-gctx.Done():
				return gctx.Err()
			}
			if pending > 0 {
				if err := s.fillDayOld(gctx, p); err != nil {
					return err
				}
			}
			err := s.inTx(gctx, func(c3 pgx.Tx) error {
				return s.fillBase(gctx, c3, p, false, nil)
			})
			if err == nil {
				close(based)
			}
			return err
		})
	}
	g.Go(func() error {
		if !full {
			if pending > 0 {
				r, err := s.prepareMerge(gctx, conn, p)
				if err != nil {
					return err
				}
				removed = append(removed, r)
			}
			close(ready)
			tx, err := s.beginTx(gctx)
			if err != nil {
				return err
			}
			q = tx
			if pending > 0 {
				deleted, err = s.applyDay(gctx, tx, p, based)
			}
			return err
		}
		r, err := s.keyUserAnime(gctx, conn, p)
		if err != nil {
			return err
		}
		removed = append(removed, r)
		keyRemoved = r
		if whole {
			return nil
		}
		if err := s.fillBase(gctx, conn, p, true, baseCounts); err != nil {
			return err
		}
		if pending > 0 {
			r, err := s.prepareMerge(gctx, conn, p)
			if err != nil {
				return err
			}
			removed = append(removed, r)
			if err := execAll(gctx, conn, schema.MergeOld(p), s.run.ID); err != nil {
				return err
			}
			deleted, err = s.applyMerge(gctx, conn, p)
			return err
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, n := range keyRemoved {
		if n > 0 {
			s.dropEarly() // they read rows the key build removed since
			break
		}
	}
	if pending > 0 {
		// The merge removed the rows ua_old holds (in an incremental run,
		// those of the delta), and no other.
		table, count := "user_anime", "SELECT count(*) FROM ua_old"
		if !full {
			table, count = "user_anime_delta", count+" WHERE NOT in_base"
		}
		var want int64
		if err := q.QueryRow(ctx, count).Scan(&want); err != nil {
			return nil, fmt.Errorf("postgres: merge: %w", err)
		}
		if deleted != want {
			return nil, fmt.Errorf("postgres: merge: removed %d rows of %s, the day's keys held %d", deleted, table, want)
		}
	}
	if !side {
		if err := s.buildModel(ctx, q, p); err != nil {
			return nil, err
		}
	}
	if !full {
		if s.compact, err = s.pastCompaction(ctx, q, opts.CompactAbove); err != nil {
			return nil, err
		}
	}
	for _, r := range removed {
		for id, n := range r {
			loaded[id] -= n
		}
	}
	if err := s.finalizeRecs(ctx, opts.Recommend); err != nil {
		return nil, err
	}
	if err := execAll(ctx, q, []string{tableCounts()}, s.run.ID); err != nil {
		return nil, err
	}
	if full {
		// user_anime's statistics, for the readers' plans after the
		// publish, are gathered beside the checks: their scan only reads
		// (ANALYZE's lock allows it), and neither needs the other. One after
		// the other they took 1.13-1.30 s at 8M rows, together 1.01-1.03 s.
		// Since the profile scan runs beside the key build (early.go) the
		// checks take 0.1 s, and the publish waits out most of the ANALYZE
		// (waitAnalyzed): 0.3 s of an 8M run's publish. It cannot start
		// sooner: its lock conflicts with the key build's.
		s.analyzed = s.inBackground(ctx, "ANALYZE "+ident(s.w.stage, "user_anime"))
	}
	small, err := countByFile(ctx, q, `SELECT file_id, count(*) FROM anime_load GROUP BY file_id
		UNION ALL SELECT file_id, count(*) FROM synopsis_load GROUP BY file_id
		UNION ALL SELECT file_id, count(*) FROM status_load GROUP BY file_id`)
	if err != nil {
		return nil, err
	}
	for id, n := range small {
		loaded[id] += n
	}
	rejected, duplicate, err := schema.RejectCounts(ctx, s, s.run.ID)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	c := animetl.Counts{Loaded: loaded, Rejected: rejected, Duplicate: duplicate}
	sums := animetl.Summaries(files, c)
	for i, f := range files {
		fs := sums[i]
		if _, err := s.pool.Exec(ctx, `UPDATE etl_file SET rows_loaded = $1, rows_rejected = $2, rows_duplicate = $3
			WHERE run_id = $4 AND file_id = $5`, fs.RowsLoaded, fs.RowsRejected, fs.RowsDuplicate, s.run.ID, f.ID); err != nil {
			return nil, fmt.Errorf("postgres: record counts of %s: %w", f.Info.Name, err)
		}
	}
	return sums, nil
}

// tableCounts records the published tables' sizes in etl_table ($1 is the
// run), for the drift check.
func tableCounts() string { return schema.TableCounts(schema.Params{}) }

// inTx runs f in a transaction of a connection of its own and commits it:
// the stage's builders beside the key index or the merge. One commit each,
// not one per statement, so that a server with synchronous commits flushes
// its WAL once per builder rather than for each of their dozens of statements.
func (s *stage) inTx(ctx context.Context, f func(pgx.Tx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after the commit
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// beginTx opens the incremental run's transaction on a connection it keeps.
func (s *stage) beginTx(ctx context.Context) (pgx.Tx, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Release()
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	s.tx, s.txConn = tx, conn
	// Its statements touch the day's rows, key by key (the merge, the delta
	// checks): compiling them (JIT, on by cost estimates made for the whole
	// history) took longer than running them, 0.5 s of a 1% day at 8M.
	if _, err := tx.Exec(ctx, "SET LOCAL jit = off"); err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	return tx, nil
}

// resolveRepeats resolves the repeated keys of table (work tables prefixed
// tag): keys and those among the rows of users when either is not nil, else
// every repeated key of the table, once search (a count of them) finds
// any. It returns the rows removed per file.
func (s *stage) resolveRepeats(ctx context.Context, q execer, p schema.Params, table, tag string, keys []animetl.ListKey, users []int32, search string) (map[int16]int64, error) {
	stmts := schema.RepeatsOf(p, table, tag, keys, users)
	if keys == nil && users == nil {
		var repeats int64
		if err := q.QueryRow(ctx, search).Scan(&repeats); err != nil {
			return nil, fmt.Errorf("postgres: find repeats: %w", err)
		}
		if repeats == 0 {
			return nil, nil
		}
		stmts = schema.Repeats(p, table, tag)
	}
	if err := execAll(ctx, q, stmts, s.run.ID); err != nil {
		return nil, err
	}
	return countByFile(ctx, q, `SELECT file_id, count(*) FROM `+tag+`_repeat_rows WHERE rn > 1 GROUP BY file_id`)
}

// removedCounts counts the rows resolveRepeats (tag) removed per anime and
// status.
func (s *stage) removedCounts(ctx context.Context, q execer, p schema.Params, tag string) ([]animetl.StatusCount, error) {
	rows, err := q.Query(ctx, schema.RepeatsRemoved(p, tag))
	if err != nil {
		return nil, fmt.Errorf("postgres: count removed repeats: %w", err)
	}
	defer rows.Close()
	var out []animetl.StatusCount
	for rows.Next() {
		var c animetl.StatusCount
		if err := rows.Scan(&c.AnimeID, &c.Status, &c.Entries, &c.Ratings, &c.RatingSum); err != nil {
			return nil, fmt.Errorf("postgres: count removed repeats: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: count removed repeats: %w", err)
	}
	return out, nil
}

// keyUserAnime builds the unique index on (user_id, anime_id) of the base
// list, resolving repeated keys first when the build finds some (with
// known repeats resolved before, it never does: it is the safety net of a
// wrong hint, whose marts the checks would then refuse), drops the
// lineage columns and makes the index the primary key. It returns the rows
// removed per file.
func (s *stage) keyUserAnime(ctx context.Context, conn *pgxpool.Conn, p schema.Params) (map[int16]int64, error) {
	const keyIndex = "CREATE UNIQUE INDEX user_anime_pkey ON user_anime (user_id, anime_id)"
	var removed map[int16]int64
	_, err := conn.Exec(ctx, keyIndex)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		if _, err := conn.Exec(ctx, "ANALYZE "+ident(s.w.stage, "user_anime")); err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		if removed, err = s.resolveRepeats(ctx, conn, p, "user_anime", "base", nil, nil, schema.SearchRepeats("user_anime")); err != nil {
			return nil, err
		}
		if _, err = conn.Exec(ctx, keyIndex); err != nil {
			return nil, fmt.Errorf("postgres: key user_anime: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("postgres: key user_anime: %w", err)
	}
	return removed, execAll(ctx, conn, []string{`ALTER TABLE user_anime DROP COLUMN file_id, DROP COLUMN line,
		 ADD CONSTRAINT user_anime_pkey PRIMARY KEY USING INDEX user_anime_pkey`}, s.run.ID)
}

// addBaseFile gives user_anime its file_id, the base list's: the load
// left it out (schema.Params.ListFileLater), as every row of the table
// came from that one file. A column added with a constant default is a
// catalog entry that the rows loaded before it read as theirs, so the
// load wrote and WAL-logged 48-byte tuples instead of 56 (398 MB instead
// of 460 at 8M rows, and as much less WAL). The repeats SQL
// then finds the lineage it reads, and the key build drops both columns.
func (s *stage) addBaseFile(ctx context.Context, conn *pgxpool.Conn, files []*animetl.FileLoad) error {
	id := -1
	for _, f := range files {
		if f.Kind == animetl.KindAnimeList && f.Date == "" {
			if id >= 0 {
				return fmt.Errorf("postgres: a full run loads one base list, got two (file ids %d and %d)", id, f.ID)
			}
			id = int(f.ID)
		}
	}
	if id < 0 {
		return fmt.Errorf("postgres: a full run without its base list (%s)", animetl.FileAnimeList)
	}
	return execAll(ctx, conn, []string{fmt.Sprintf("ALTER TABLE user_anime ADD COLUMN file_id SMALLINT NOT NULL DEFAULT %d", id)}, s.run.ID)
}

// fillBase fills ua_base, the counts of user_anime before the deltas: in
// a full run from the pipeline's exact counts of the base when it has them;
// in an incremental run from the published anime_status_stats; else by
// scanning user_anime.
func (s *stage) fillBase(ctx context.Context, q execer, p schema.Params, full bool, counts []animetl.StatusCount) error {
	if full && counts != nil {
		// A full run has no transaction: the pool's COPY sees ua_base.
		return s.copyRows(ctx, "ua_base", []string{"anime_id", "watching_status", "entries", "ratings", "rating_sum"}, countRows(counts))
	}
	if !full {
		var have bool
		if err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, ident(s.w.target, "anime_status_stats")).Scan(&have); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		if have {
			return execAll(ctx, q, []string{fmt.Sprintf(`INSERT INTO ua_base (anime_id, watching_status, entries, ratings, rating_sum)
				SELECT anime_id, watching_status, entries, ratings, rating_sum FROM %s`, ident(s.w.target, "anime_status_stats"))}, s.run.ID)
		}
	}
	return execAll(ctx, q, schema.Aggregate(p), s.run.ID)
}

// fillCounted fills ua_agg and anime_status_stats from counts, the
// pipeline's exact counts of a full run's base when no delta follows (they
// are the final counts; pairs whose entries were all removed as repeats are
// left out, as aggregate_delta.sql leaves them), in key order on tx, which
// made anime_status_stats: two COPYs of the catalogue's pairs instead of
// ua_base, its aggregate into ua_agg and an INSERT into the keyed
// anime_status_stats (0.35-0.45 s of CPU at 8M rows taken from the key
// index beside them, about 0.05 s now).
func (s *stage) fillCounted(ctx context.Context, tx pgx.Tx, counts []animetl.StatusCount) error {
	sorted := make([]animetl.StatusCount, 0, len(counts))
	for _, c := range counts {
		if c.Entries != 0 {
			sorted = append(sorted, c)
		}
	}
	slices.SortFunc(sorted, func(a, b animetl.StatusCount) int {
		if a.AnimeID != b.AnimeID {
			return cmp.Compare(a.AnimeID, b.AnimeID)
		}
		return cmp.Compare(a.Status, b.Status)
	})
	rows := countRows(sorted)
	for _, t := range []struct{ table, entries string }{{"ua_agg", "n"}, {"anime_status_stats", "entries"}} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{s.w.stage, t.table},
			[]string{"anime_id", "watching_status", t.entries, "ratings", "rating_sum"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("postgres: copy %s: %w", t.table, err)
		}
	}
	return nil
}

// countRows are counts as COPY rows (anime_id, watching_status, entries,
// ratings, rating_sum).
func countRows(counts []animetl.StatusCount) [][]any {
	rows := make([][]any, len(counts))
	for i, c := range counts {
		rows[i] = []any{c.AnimeID, c.Status, c.Entries, c.Ratings, c.RatingSum}
	}
	return rows
}

// buildModel turns ua_base and the merge's changes into ua_agg and builds
// the rest of the model (the catalogue side is built: catalogue.sql), the
// marts and views in the stage.
func (s *stage) buildModel(ctx context.Context, q execer, p schema.Params) error {
	var steps []string
	if !p.Counted {
		steps = schema.AggregateDelta(p)
	}
	if s.run.Mode != animetl.ModeIncremental {
		// An incremental run's model lane is the path its run waits on, and
		// the planner's estimate from the table's size serves its
		// statements as well: without this ANALYZE (50-60 ms) the model
		// statement took 77 ms against 102, the mart 124 against 147, on a
		// 1% day at 8M rows.
		steps = append(steps, "ANALYZE "+ident(s.w.stage, "ua_agg"))
	}
	steps = append(steps, schema.Finalize(p)...)
	steps = append(steps, schema.Views()...)
	// Statistics for the planner on the mart readers join most (anime's
	// are taken with the catalogue side); the small tables are analyzed by
	// autovacuum soon after they appear.
	steps = append(steps, "ANALYZE "+ident(s.w.stage, "anime_stats"))
	return execAll(ctx, q, steps, s.run.ID)
}

// execer runs statements: a pooled connection or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func execAll(ctx context.Context, conn execer, stmts []string, runID string) error {
	for _, q := range stmts {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{runID}
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("postgres: %w", animetl.NewStatementError(q, err))
		}
	}
	return nil
}

func countByFile(ctx context.Context, conn execer, q string) (map[int16]int64, error) {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("postgres: count: %w", err)
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

// RecordChecks stores check results in etl_check, in one statement (one
// each cost a round trip and a commit each).
func (s *stage) RecordChecks(ctx context.Context, results []animetl.CheckResult) error {
	results = animetl.LastByName(results)
	if len(results) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO etl_check (run_id, name, severity, status, observed, threshold, checked_at) VALUES `)
	args := []any{s.run.ID}
	for i, r := range results {
		if i > 0 {
			b.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&b, "($1, $%d, $%d, $%d, $%d, $%d, now())", n+1, n+2, n+3, n+4, n+5)
		args = append(args, r.Name, string(r.Severity), string(r.Status), r.Observed, r.Threshold)
	}
	b.WriteString(` ON CONFLICT (run_id, name) DO UPDATE SET severity = EXCLUDED.severity, status = EXCLUDED.status,
		observed = EXCLUDED.observed, threshold = EXCLUDED.threshold, checked_at = EXCLUDED.checked_at`)
	if _, err := s.pool.Exec(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("postgres: record checks: %w", err)
	}
	return nil
}

// inBackground runs q on a connection of the stage's pool, on a goroutine
// of its own, and reports its error on the channel it returns.
func (s *stage) inBackground(ctx context.Context, q string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := s.pool.Exec(ctx, q)
		if err != nil {
			err = fmt.Errorf("postgres: %w", animetl.NewStatementError(q, err))
		}
		done <- err
	}()
	return done
}

// waitAnalyzed waits for the ANALYZE Finalize started, if any, and returns
// its error (once).
func (s *stage) waitAnalyzed() error {
	if s.analyzed == nil {
		return nil
	}
	err := <-s.analyzed
	s.analyzed = nil
	return err
}
