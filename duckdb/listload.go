package duckdb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
)

// listSource is a parallel chunk table function over the batches of one
// list file: DuckDB's threads pull batches from the channel and fill their
// vectors with typed writes, so the load costs no per-value boxing and runs
// on every core DuckDB has.
type listSource struct {
	ctx   context.Context
	in    <-chan []animetl.ListEntry
	errMu sync.Mutex
	err   error
}

// listState is one DuckDB thread's current batch.
type listState struct {
	batch []animetl.ListEntry
	pos   int
}

var listColumnTypes = []struct {
	name string
	t    duck.Type
}{
	{"user_id", duck.TYPE_INTEGER}, {"anime_id", duck.TYPE_INTEGER}, {"watching_status", duck.TYPE_SMALLINT},
	{"rating", duck.TYPE_SMALLINT}, {"watched_episodes", duck.TYPE_INTEGER}, {"line", duck.TYPE_BIGINT},
}

func (s *listSource) ColumnInfos() []duck.ColumnInfo {
	out := make([]duck.ColumnInfo, len(listColumnTypes))
	for i, c := range listColumnTypes {
		t, err := duck.NewTypeInfo(c.t)
		if err != nil {
			panic(err) // primitive types always have a TypeInfo
		}
		out[i] = duck.ColumnInfo{Name: c.name, T: t}
	}
	return out
}

func (s *listSource) Cardinality() *duck.CardinalityInfo { return nil }

func (s *listSource) Init() duck.ParallelTableSourceInfo { return duck.ParallelTableSourceInfo{} }

func (s *listSource) NewLocalState() any { return &listState{} }

func (s *listSource) fail(err error) error {
	s.errMu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.errMu.Unlock()
	return err
}

// FillChunk fills one chunk from the thread's batches; a chunk of size 0
// ends the thread's part of the scan.
func (s *listSource) FillChunk(local any, chunk duck.DataChunk) error {
	st := local.(*listState)
	capacity := duck.GetDataChunkCapacity()
	n := 0
	for n < capacity {
		if st.pos >= len(st.batch) {
			select {
			case b, ok := <-s.in:
				if !ok {
					return s.finish(chunk, n)
				}
				st.batch, st.pos = b, 0
				continue
			case <-s.ctx.Done():
				return s.fail(s.ctx.Err())
			}
		}
		e := &st.batch[st.pos]
		st.pos++
		if err := setEntry(chunk, n, e); err != nil {
			return s.fail(err)
		}
		n++
	}
	return s.finish(chunk, n)
}

func (s *listSource) finish(chunk duck.DataChunk, n int) error {
	return chunk.SetSize(n)
}

// setEntry writes one entry. A rating of 0 stays 0 here (setting a NULL is
// a cgo call per value) and becomes NULL in the INSERT's NULLIF; the file id
// is a constant of the INSERT.
func setEntry(c duck.DataChunk, row int, e *animetl.ListEntry) error {
	return errors.Join(
		duck.SetChunkValue(c, 0, row, e.UserID),
		duck.SetChunkValue(c, 1, row, e.AnimeID),
		duck.SetChunkValue(c, 2, row, e.Status),
		duck.SetChunkValue(c, 3, row, e.Rating),
		duck.SetChunkValue(c, 4, row, e.Episodes),
		duck.SetChunkValue(c, 5, row, e.Line),
	)
}

var listSeq atomic.Int64

// LoadList inserts list entries (the base into user_anime, a delta into
// scratch.list_load) through a table function that DuckDB's threads feed
// from the batch channel.
func (s *stage) LoadList(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.ListEntry) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	defer conn.Close()
	src := &listSource{ctx: ctx, in: in}
	name := fmt.Sprintf("animetl_list_%d", listSeq.Add(1))
	udf := duck.ParallelChunkTableFunction{
		BindArguments: func(map[string]any, ...any) (duck.ParallelChunkTableSource, error) { return src, nil },
	}
	if err := duck.RegisterTableUDF(conn, name, udf); err != nil {
		return fmt.Errorf("duckdb: register list loader: %w", err)
	}
	target := "scratch.list_load" // the deltas
	if f.Date == "" {
		target = "user_anime" // the base
	}
	_, err = conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s
		SELECT user_id, anime_id, watching_status, NULLIF(rating, 0), watched_episodes, CAST(%d AS SMALLINT), line
		FROM %s()`, target, f.ID, name))
	if src.err != nil {
		err = src.err
	}
	if err != nil {
		drain(in)
		return fmt.Errorf("duckdb: load %s: %w", f.Info.Name, err)
	}
	return nil
}

// drain empties a channel its producer may still be writing to, so the
// producer's next send does not block forever after a failed load.
func drain[T any](in <-chan T) {
	go func() {
		for range in {
		}
	}()
}
