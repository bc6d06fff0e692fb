package duckdb

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// deleteBytesPerRow is what a DELETE on DuckDB keeps in memory per row id
// of the range it covers until the next checkpoint: 16 KiB of version data
// for each 2,048-row vector holding a deleted row.
const deleteBytesPerRow = 8

// minDeleteRange is the fewest row ids one DELETE covers: a row group.
const minDeleteRange = 122880

// deleteRangeRows, when above zero, replaces the range the memory limit
// gives (tests use it to cover many ranges with little data).
var deleteRangeRows int64

// mergeDeltas merges the day's upserts and deletes into user_anime
// (merge.sql, merge_old.sql, then merge_duckdb.sql): it deletes the rows
// merge_old.sql copied to ua_old with their row ids, by ranges
// (deleteByRanges), then inserts the upserts.
func (s *stage) mergeDeltas(ctx context.Context, p schema.Params) error {
	if err := s.matchDeltas(ctx, p); err != nil {
		return err
	}
	if err := s.execAll(ctx, schema.MergeOld(p), s.run.ID); err != nil {
		return err
	}
	del, insert := schema.MergeByRange(p)
	var want int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+p.Scratch+`ua_old`).Scan(&want); err != nil {
		return fmt.Errorf("duckdb: merge: %w", err)
	}
	if err := s.deleteByRanges(ctx, "user_anime", del, want); err != nil {
		return err
	}
	return s.execAll(ctx, []string{insert})
}

// mergeDay merges an incremental run's upserts and deletes into user_anime's
// day tables (merge.sql, then merge_day.sql): the rows the day replaces or
// removes go to ua_old, the day's keys leave the delta (by ranges, as
// deleteByRanges does), the base keys it hides join user_anime_gone and
// the upserts join the delta. The base is only read.
func (s *stage) mergeDay(ctx context.Context, p schema.Params) error {
	old, del, gone, insert := schema.MergeDay(p)
	if err := s.matchDeltas(ctx, p); err != nil {
		return err
	}
	// The copy of the published file is written back to the disk while old
	// reads the base: it commits nothing until it ends, and a commit's sync
	// while the copy is being written back waits for all of it (ext4 syncs
	// the copy's blocks with any other file's). Started in Begin, that wait
	// fell on the load's commits instead; not started at all, on the first
	// write of whole row groups to the file (gone: 0.18 s at 80M rows).
	if s.copied == nil && s.isCopy {
		s.copied = syncInBackground(s.w.stagePath())
	}
	if err := s.fillOld(ctx, p, old); err != nil {
		return err
	}
	var want int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+p.Scratch+`ua_old WHERE NOT in_base`).Scan(&want); err != nil {
		return fmt.Errorf("duckdb: merge: %w", err)
	}
	if err := s.deleteByRanges(ctx, "user_anime_delta", del, want); err != nil {
		return err
	}
	return s.execAll(ctx, []string{gone, insert})
}

// oldKeysPerRange is how many of the day's keys one run of merge_day.sql's
// first statement looks up in the base. DuckDB probes every row of the
// base whose user_id lies in the range into a hash table of the range's
// keys; the base is stored in the list's user order, so the range's bounds
// on user_id let its zone maps skip the other users' row groups, and a
// table of fewer keys is probed faster. Measured at 80M rows with a 1% day
// (880,000 keys): 1.26-1.33 s in one join, 0.85-0.89 s in ranges of 220,000
// or 110,000 keys, 0.88 s of 55,000, 0.91-1.05 s of 27,500.
var oldKeysPerRange int64 = 131072

// fillOld runs old (merge_day.sql's first statement) once per range of the
// day's users holding about oldKeysPerRange of its keys, in one transaction:
// each commit of the scratch database would wait for the copy of the
// published file being written back (mergeDay).
func (s *stage) fillOld(ctx context.Context, p schema.Params, old string) error {
	var n, lo, hi int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), COALESCE(min(user_id), 0), COALESCE(max(user_id), 0) + 1 FROM `+p.Scratch+`ua_keys`).Scan(&n, &lo, &hi); err != nil {
		return fmt.Errorf("duckdb: merge: split the day's keys: %w", err)
	}
	bounds := []int64{lo}
	if parts := (n + oldKeysPerRange - 1) / oldKeysPerRange; parts > 1 {
		q := make([]string, 0, parts-1)
		for i := int64(1); i < parts; i++ {
			q = append(q, strconv.FormatFloat(float64(i)/float64(parts), 'f', -1, 64))
		}
		rows, err := s.db.QueryContext(ctx, `SELECT unnest(quantile_disc(user_id, [`+strings.Join(q, ", ")+`])) AS b FROM `+p.Scratch+`ua_keys ORDER BY b`)
		if err != nil {
			return fmt.Errorf("duckdb: merge: split the day's keys: %w", err)
		}
		for rows.Next() {
			var b int64
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return fmt.Errorf("duckdb: merge: split the day's keys: %w", err)
			}
			if b > bounds[len(bounds)-1] && b < hi { // each bound once: quantiles of many keys of one user repeat
				bounds = append(bounds, b)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("duckdb: merge: split the day's keys: %w", err)
		}
	}
	bounds = append(bounds, hi)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("duckdb: merge: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	for i := 1; i < len(bounds); i++ {
		t0 := time.Now()
		// The bounds go in as literals: DuckDB pushes a constant, not a
		// parameter, into the scan of the base, where its zone maps use it.
		q := strings.NewReplacer("$1", strconv.FormatInt(bounds[i-1], 10), "$2", strconv.FormatInt(bounds[i], 10)).Replace(old)
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: %w", animetl.NewStatementError(old, err))
		}
		s.log.Debug("sql", "statement", firstLine(old), "from", bounds[i-1], "below", bounds[i], animetl.LogDuration, time.Since(t0))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("duckdb: merge: %w", err)
	}
	return nil
}

// matchDeltas matches the upserts and deletes of the same keys (merge.sql)
// when ua_keys has any.
func (s *stage) matchDeltas(ctx context.Context, p schema.Params) error {
	var both int64
	if err := s.db.QueryRowContext(ctx, schema.DayMatches(p)).Scan(&both); err != nil {
		return fmt.Errorf("duckdb: merge: %w", err)
	}
	if both == 0 {
		return nil
	}
	return s.execAll(ctx, schema.Merge(p))
}

// deleteByRanges runs del, a DELETE from table of the rows whose row ids lie
// in [$1, $2), over the whole table, and fails unless it deleted want rows.
// A DELETE on DuckDB keeps version data for every vector it touches, pinned
// in memory until a checkpoint, and rows spread over the table touch nearly
// every vector: one DELETE over a large table needs memory that grows with
// the table, and cannot spill. So del runs once per range small enough that
// its version data takes at most a quarter of the memory limit, the highest
// range first, with a checkpoint after each (it writes the version data to
// the file and frees it) unless the whole table's would take a sixteenth of
// the limit at most. A checkpoint's vacuum moves only rows that follow a
// deleted row, to lower row ids, so the rows still to examine, all below
// every row deleted so far, keep the row ids they had before the first
// DELETE (the merge's and the repeats' DELETEs find their rows by them, and
// by their keys, so a moved row could only be missed, and want would tell).
func (s *stage) deleteByRanges(ctx context.Context, table, del string, want int64) error {
	if want == 0 {
		return nil
	}
	var rows int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(max(rowid) + 1, 0) FROM `+table).Scan(&rows); err != nil {
		return fmt.Errorf("duckdb: delete from %s: %w", table, err)
	}
	step, err := s.deleteRange(ctx)
	if err != nil {
		return err
	}
	checkpoint := "CHECKPOINT"
	if catalog, _, ok := strings.Cut(table, "."); ok {
		checkpoint += " " + catalog
	}
	var gone int64
	for hi := rows; hi > 0; hi -= step {
		t0 := time.Now()
		res, err := s.db.ExecContext(ctx, del, max(hi-step, 0), hi)
		if err != nil {
			return fmt.Errorf("duckdb: %w", animetl.NewStatementError(del, err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("duckdb: delete from %s: %w", table, err)
		}
		gone += n
		t1 := time.Now()
		if rows > step/4 {
			if _, err := s.db.ExecContext(ctx, checkpoint); err != nil {
				return fmt.Errorf("duckdb: delete from %s: %s: %w", table, checkpoint, err)
			}
		}
		s.log.Debug("sql", "statement", firstLine(del), "rows", n, "below", hi, "delete", t1.Sub(t0), animetl.LogDuration, time.Since(t0))
	}
	if gone != want {
		return fmt.Errorf("duckdb: delete from %s: deleted %d rows, want %d", table, gone, want)
	}
	return nil
}

// deleteRange is how many row ids one DELETE of the merge covers: a quarter
// of the memory limit's worth of version data.
func (s *stage) deleteRange(ctx context.Context) (int64, error) {
	if deleteRangeRows > 0 {
		return deleteRangeRows, nil
	}
	limit, err := s.memoryLimit(ctx)
	if err != nil {
		return 0, err
	}
	return max(limit/4/deleteBytesPerRow, minDeleteRange), nil
}

// memoryLimit returns the stage's DuckDB memory limit in bytes.
func (s *stage) memoryLimit(ctx context.Context) (int64, error) {
	var setting string
	if err := s.db.QueryRowContext(ctx, "SELECT current_setting('memory_limit')").Scan(&setting); err != nil {
		return 0, fmt.Errorf("duckdb: memory limit: %w", err)
	}
	limit, err := parseSize(setting)
	if err != nil {
		return 0, fmt.Errorf("duckdb: memory limit: %w", err)
	}
	return limit, nil
}

var sizeRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*([KMGTP]i?B|bytes?)$`)

// parseSize reads a size as DuckDB prints its settings ("183.1 MiB").
func parseSize(s string) (int64, error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("size %q: want a number and a unit", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, err)
	}
	unit := float64(1)
	if m[2][0] != 'b' {
		base := float64(1000)
		if strings.Contains(m[2], "i") {
			base = 1024
		}
		for range strings.Index("KMGTP", m[2][:1]) + 1 {
			unit *= base
		}
	}
	return int64(n * unit), nil
}

// Shares of the memory limit for the phases that only stream: the blocks
// they write or read stay in DuckDB's buffer pool as a cache the phase
// does not read again, and the pool fills with them only on large lists.
var (
	loadLimitShare   = 0.35 // the list's load (LoadList)
	checksLimitShare = 0.5  // a full run's checks (Finalize to RecordChecks)
)

// Floors of the lowered limits. The load's threads need bytesPerThread
// each (listThreads sizes them by the lowered limit). The checks run as
// many threads as the whole limit allows, each with a hash table: at 64MB
// and two threads, half the limit (32MiB) ran the profile of 4M rows out
// of memory, so the checks keep 32MiB a thread and 96MB at least.
const (
	loadLimitFloor       = 32 << 20
	checksLimitFloor     = 96_000_000 // 96MB, half of the default limit
	checksBytesPerThread = 32 << 20
)

// checksFloor is the lowest limit a full run's checks run under.
func (s *stage) checksFloor() int64 {
	n := s.w.threads()
	if n <= 0 {
		n = runtime.NumCPU()
	}
	return max(checksLimitFloor, int64(n)*checksBytesPerThread)
}

// lowerLimit sets the stage's memory limit to share of the current one,
// floor at least, and returns the limit now in force, in bytes, and a
// function that sets the configured one again. Should DuckDB refuse the
// lower limit (memory it cannot free), the phase runs under the whole one.
func (s *stage) lowerLimit(ctx context.Context, share float64, floor int64) (int64, func() error, error) {
	nop := func() error { return nil }
	limit, err := s.memoryLimit(ctx)
	if err != nil {
		return 0, nop, err
	}
	low := max(int64(float64(limit)*share), min(limit, floor))
	if low >= limit {
		return limit, nop, nil
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("SET memory_limit = '%dKiB'", low>>10)); err != nil {
		s.log.Debug("the phase runs under the whole memory limit", animetl.LogError, err)
		return limit, nop, nil
	}
	return low, func() error {
		_, err := s.db.ExecContext(context.WithoutCancel(ctx), s.w.memoryLimitSetting())
		return err
	}, nil
}
