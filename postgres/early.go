package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl"
)

// early runs the checks' queries that read only user_anime's rows and the
// model (animetl.FinalizeOptions.EarlyChecks) while a full run's key index
// builds, and keeps their rows until the checks ask for them.
//
// Why: after Finalize, the profile check's scan of user_anime took 0.9-1.2
// s of an 8M run on its own. The key index build reads the same heap under
// a SHARE lock (readers pass) and leaves a core idle while it merges and
// writes the index, so the scan fits beside it. Measured at 8M rows on a day
// the bench machine ran 2.5 to 3 times slower than usual: the scan beside
// the build lengthened Finalize by 1.6-1.9 s and spared the checks 2.9-3.3
// s (runs of 15.8-15.9 s took 14.7-15.1 s).
//
// When: only in a full run whose model lane built every mart from the
// pipeline's counts (Finalize's whole): then the model lane's commit is the
// last write to the tables the queries read, unless the key build finds
// repeats the pipeline did not see and removes rows, in which case the
// results are dropped and the checks run the queries themselves. The
// ALTER TABLE that ends the key build waits for the scans (it takes an
// ACCESS EXCLUSIVE lock), so Finalize returns with every result in. The
// scans start once the build runs in one process (awaitKeyLoading).
type early struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	res    map[string]*earlyResult
}

type earlyResult struct {
	cols []string
	vals [][]any
	err  error
}

// startEarly runs each query of qs on a connection of its own, once the
// key build leaves a core free (awaitKeyLoading).
func (s *stage) startEarly(ctx context.Context, qs []string) {
	if len(qs) == 0 || s.early != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &early{cancel: cancel, res: map[string]*earlyResult{}}
	s.early = e
	gate := make(chan struct{})
	go func() {
		defer close(gate)
		s.awaitKeyLoading(ctx)
	}()
	for _, q := range qs {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			r := &earlyResult{}
			<-gate
			r.cols, r.vals, r.err = s.readAll(ctx, q)
			e.mu.Lock()
			e.res[q] = r
			e.mu.Unlock()
		}()
	}
}

// keyPollEvery is how often awaitKeyLoading asks the server how far the
// key build is.
const keyPollEvery = 100 * time.Millisecond

// awaitKeyLoading returns once the key build of user_anime runs in one
// process: in its last phase (PostgreSQL's "loading tuples in tree", the
// leader merging the workers' sorted runs and writing the index), or from
// the start when it has no parallel workers, or once it is done; and at
// once if the server cannot say (pg_stat_progress_create_index, with
// pg_stat_activity.leader_pid, needs PostgreSQL 13).
//
// Why: the parallel build's first phases (scanning the table, sorting)
// keep every core busy, its last one a single core, for about half the
// build. The early scan beside the whole build slowed it: at 80M rows on
// two cores the build took 57-62 s with the scan beside it, against 40-45
// s alone (scanning 18 s, sorting 3 s, loading 22 s), while the scan needs
// 13-15 s of one core, which the last phase has free.
func (s *stage) awaitKeyLoading(ctx context.Context) {
	const q = `SELECT p.phase, (SELECT count(*) FROM pg_stat_activity a WHERE a.leader_pid = p.pid AND a.pid <> p.pid)
		FROM pg_stat_progress_create_index p WHERE p.relid = to_regclass($1)
		UNION ALL
		SELECT 'done', 0 WHERE to_regclass($2) IS NOT NULL`
	table, index := ident(s.w.stage, "user_anime"), ident(s.w.stage, "user_anime_pkey")
	t0 := time.Now()
	var seen time.Time // when the build was first seen past its start
	for {
		var phase string
		var workers int64
		err := s.pool.QueryRow(ctx, q, table, index).Scan(&phase, &workers)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, pgx.ErrNoRows): // not started yet
		case err != nil:
			s.log.Debug("the key build's progress is unknown; the early checks start now", animetl.LogError, err)
			return
		case phase == "done" || phase == "building index: loading tuples in tree" ||
			// Workers need a moment to appear once launched.
			workers == 0 && building(phase, &seen) > time.Second:
			s.log.Debug("early checks start", "key_phase", phase, "key_workers", workers, "waited", time.Since(t0).Round(time.Millisecond))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(keyPollEvery):
		}
	}
}

// building returns for how long the key build has been seen past its
// initialization, which phase says, noting in seen when it first was.
func building(phase string, seen *time.Time) time.Duration {
	if !strings.HasPrefix(phase, "building index") {
		return 0
	}
	if seen.IsZero() {
		*seen = time.Now()
	}
	return time.Since(*seen)
}

// readAll runs q and returns its columns and rows, in one process of the
// server: without parallel workers (SET LOCAL, in a transaction of its
// own). The key build beside it already runs its own workers; with two of
// its own the scan took their CPU and Finalize ended later. At 80M rows on
// the experiment server, Finalize then took 46.8-47.1 s against 50.3-53.7
// s (40.4-42.1 s and 11.4 s of checks without the early scan); at 8M,
// 4.98-5.18 s against 5.33-5.68 s.
func (s *stage) readAll(ctx context.Context, q string) (cols []string, vals [][]any, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
			return err
		}
		r, err := tx.Query(ctx, q)
		if err != nil {
			return err
		}
		rs := &rows{r: r}
		defer rs.Close()
		// The columns while the rows are open: pgx reads them from the
		// connection, which goes back to the pool once the work is done.
		cols = rs.Columns()
		for rs.Next() {
			v, err := rs.Values()
			if err != nil {
				return err
			}
			vals = append(vals, v)
		}
		return rs.Close()
	})
	return cols, vals, err
}

// dropEarly stops the early queries, waits for them, and forgets their
// results.
func (s *stage) dropEarly() {
	if s.early == nil {
		return
	}
	s.early.cancel()
	s.early.wg.Wait()
	s.early = nil
}

// takeEarly returns the rows of q's early run, once, and whether there is
// one; a query that failed early is left to the caller to run again.
func (s *stage) takeEarly(q string) (animetl.Rows, bool) {
	e := s.early
	if e == nil {
		return nil, false
	}
	e.wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.res[q]
	if !ok {
		return nil, false
	}
	delete(e.res, q)
	if r.err != nil {
		s.log.Debug("an early check query failed; the checks run it again", animetl.LogError, r.err)
		return nil, false
	}
	s.earlyAnswers++
	return &memRows{cols: r.cols, vals: r.vals}, true
}

// memRows are rows read ahead.
type memRows struct {
	cols []string
	vals [][]any
	i    int
}

func (m *memRows) Columns() []string { return m.cols }
func (m *memRows) Err() error        { return nil }
func (m *memRows) Close() error      { return nil }

func (m *memRows) Next() bool {
	if m.i >= len(m.vals) {
		return false
	}
	m.i++
	return true
}

func (m *memRows) Values() ([]any, error) {
	if m.i == 0 || m.i > len(m.vals) {
		return nil, fmt.Errorf("postgres: no current row")
	}
	return append([]any(nil), m.vals[m.i-1]...), nil
}
