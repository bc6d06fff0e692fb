package postgres

import (
	"context"
	"fmt"
	"sync"

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
// ACCESS EXCLUSIVE lock), so Finalize returns with every result in.
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

// startEarly runs each query of qs on a connection of its own.
func (s *stage) startEarly(ctx context.Context, qs []string) {
	if len(qs) == 0 || s.early != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &early{cancel: cancel, res: map[string]*earlyResult{}}
	s.early = e
	for _, q := range qs {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			r := &earlyResult{}
			r.cols, r.vals, r.err = s.readAll(ctx, q)
			e.mu.Lock()
			e.res[q] = r
			e.mu.Unlock()
		}()
	}
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
