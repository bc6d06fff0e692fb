package duckdb

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	duck "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/animetl/animetl"
)

// listSource is a parallel chunk table function over the batches of one
// list file: DuckDB's threads pull batches from the channel and fill their
// vectors with typed writes, so the load costs no per-value boxing and runs
// on every core DuckDB has.
type listSource struct {
	ctx     context.Context
	in      <-chan []animetl.ListEntry
	threads int  // DuckDB threads that may run the scan (listThreads)
	setter  bool // write through duckdb-go's typed setter even when raw writes are possible (tests)
	errMu   sync.Mutex
	err     error
}

// listState is one DuckDB thread's current batch.
type listState struct {
	batch   []animetl.ListEntry
	pos     int
	checked bool // the chunk's column types were verified for raw writes
}

var listColumnTypes = []struct {
	name string
	t    duck.Type
}{
	{"user_id", duck.TYPE_INTEGER}, {"anime_id", duck.TYPE_INTEGER}, {"watching_status", duck.TYPE_SMALLINT},
	{"rating", duck.TYPE_SMALLINT}, {"watched_episodes", duck.TYPE_INTEGER}, {"line", duck.TYPE_BIGINT},
}

// rawChunks says whether FillChunk may write the chunk's vectors directly.
// duckdb-go's typed setter (SetChunkValue) checks the column, the row and
// the type of every value it writes: 17 ns a value, 0.8 s of CPU for the
// six columns of 8M entries, a fifth of a full run's load. Its public API
// has no typed bulk writer for numbers (VectorWriter is VARCHAR only), so
// FillChunk reads the chunk's C handle and its projection from
// duck.DataChunk's unexported fields and writes the column arrays through
// DuckDB's C API (duckdb_vector_get_data), checking each column's type
// once per thread. It does so only when reflection finds those fields
// where this code expects them (names, types, the handle first); another
// duckdb-go layout falls back to the typed setter, and the two give the
// same table (TestListLoadRawWritesMatchSetter).
var rawChunks, chunkProjectionOffset = chunkLayout()

// listThreads is how many of DuckDB's threads may run the list loader
// under a memory limit of limit bytes: one per bytesPerThread, as for the
// instance (Warehouse.threads), since each keeps row groups of its own in
// memory until they fill. Asked here too because the limit DuckDB reports
// is in bytes even where the one configured (a percentage) is not.
func listThreads(limit int64) int {
	return int(min(max(limit/bytesPerThread, 1), 64))
}

// listSetter makes every list load use the typed setter (tests).
var listSetter bool

func chunkLayout() (bool, uintptr) {
	t := reflect.TypeOf(duck.DataChunk{})
	h, okH := t.FieldByName("chunk")
	p, okP := t.FieldByName("projection")
	if !okH || !okP || h.Offset != 0 || h.Type != reflect.TypeOf(mapping.DataChunk{}) ||
		p.Type != reflect.TypeOf([]int(nil)) {
		return false, 0
	}
	return true, p.Offset
}

// rawColumns are the data arrays of a chunk's six columns, in the order of
// listColumnTypes.
type rawColumns struct {
	user, anime, episodes []int32
	status, rating        []int16
	line                  []int64
}

var rawTypes = []mapping.Type{mapping.TypeInteger, mapping.TypeInteger, mapping.TypeSmallInt,
	mapping.TypeSmallInt, mapping.TypeInteger, mapping.TypeBigInt}

// rawChunkColumns returns the chunk's arrays; ok is false when the scan
// does not project every column (the INSERT reads them all; FillChunk then
// uses the typed setter), and err is set when a column is not of the type
// the loader declared (then nothing was written). DuckDB resets a table
// function's output chunk before each call, so its validity masks start
// all valid.
func rawChunkColumns(chunk *duck.DataChunk, st *listState) (c rawColumns, ok bool, err error) {
	h := *(*mapping.DataChunk)(unsafe.Pointer(chunk))
	proj := *(*[]int)(unsafe.Add(unsafe.Pointer(chunk), chunkProjectionOffset))
	n := duck.GetDataChunkCapacity()
	count := int(mapping.DataChunkGetColumnCount(h))
	var ptrs [6]unsafe.Pointer
	if proj != nil && len(proj) < len(ptrs) {
		return c, false, fmt.Errorf("duckdb: list loader: projection of %d columns, want %d", len(proj), len(ptrs))
	}
	for i := range ptrs {
		idx := i
		if proj != nil {
			idx = proj[i]
		}
		if idx < 0 {
			return c, false, nil
		}
		if idx >= count {
			return c, false, fmt.Errorf("duckdb: list loader: column %d of %d", idx, count)
		}
		v := mapping.DataChunkGetVector(h, mapping.IdxT(idx))
		if !st.checked {
			lt := mapping.VectorGetColumnType(v)
			got := mapping.GetTypeId(lt)
			mapping.DestroyLogicalType(&lt)
			if got != rawTypes[i] {
				return c, false, fmt.Errorf("duckdb: list loader: column %s has type %d, want %d", listColumnTypes[i].name, got, rawTypes[i])
			}
		}
		ptrs[i] = mapping.VectorGetData(v)
	}
	st.checked = true
	c = rawColumns{user: array[int32](ptrs[0], n), anime: array[int32](ptrs[1], n), status: array[int16](ptrs[2], n),
		rating: array[int16](ptrs[3], n), episodes: array[int32](ptrs[4], n), line: array[int64](ptrs[5], n)}
	return c, true, nil
}

// array is the n values of type T at p.
func array[T any](p unsafe.Pointer, n int) []T { return unsafe.Slice((*T)(p), n) }

// put writes one entry at row: no NULLs are written (a rating of 0 becomes
// NULL in the INSERT), so the validity masks stay all valid.
func (c *rawColumns) put(row int, e *animetl.ListEntry) {
	c.user[row], c.anime[row], c.status[row] = e.UserID, e.AnimeID, e.Status
	c.rating[row], c.episodes[row], c.line[row] = e.Rating, e.Episodes, e.Line
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

func (s *listSource) Init() duck.ParallelTableSourceInfo {
	return duck.ParallelTableSourceInfo{MaxThreads: s.threads}
}

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
	var raw rawColumns
	useRaw := rawChunks && !s.setter
	if useRaw {
		var err error
		if raw, useRaw, err = rawChunkColumns(&chunk, st); err != nil {
			return s.fail(err)
		}
	}
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
		if useRaw { // the rest of the batch, up to the chunk's capacity, in one loop
			k := min(capacity-n, len(st.batch)-st.pos)
			for _, e := range st.batch[st.pos : st.pos+k] {
				raw.put(n, &e)
				n++
			}
			st.pos += k
			continue
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
func (s *stage) LoadList(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.ListEntry) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	defer conn.Close()
	// The load only appends: the blocks it writes stay in DuckDB's buffer
	// pool as a cache nothing in the load reads again, and at 80M rows they
	// filled the pool (peak RSS 382-399 MiB against 321-339 at 8M, whose
	// load ends before the pool fills). So the load runs under a fraction of
	// the limit (loadLimitShare), the rest of the run under all of it.
	limit, restore, err := s.lowerLimit(ctx, loadLimitShare, loadLimitFloor)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := restore(); rerr != nil && err == nil {
			err = fmt.Errorf("duckdb: memory limit after the load: %w", rerr)
		}
	}()
	src := &listSource{ctx: ctx, in: in, threads: listThreads(limit), setter: listSetter}
	name := fmt.Sprintf("animetl_list_%d", listSeq.Add(1))
	udf := duck.ParallelChunkTableFunction{
		BindArguments: func(map[string]any, ...any) (duck.ParallelChunkTableSource, error) { return src, nil },
	}
	if err := duck.RegisterTableUDF(conn, name, udf); err != nil {
		return fmt.Errorf("duckdb: register list loader: %w", err)
	}
	target, file := listTarget(f)
	_, err = conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s
		SELECT user_id, anime_id, watching_status, NULLIF(rating, 0), watched_episodes, %sline
		FROM %s()`, target, file, name))
	if src.err != nil {
		err = src.err
	}
	if err != nil {
		drain(in)
		return fmt.Errorf("duckdb: load %s: %w", f.Info.Name, err)
	}
	return nil
}

// listTarget returns the table a list file loads into and the SELECT's
// file_id expression before line ("" for the base, whose table has no
// file_id: scratchParams).
func listTarget(f *animetl.FileLoad) (table, file string) {
	if f.Date == "" {
		return "user_anime", ""
	}
	return "scratch.list_load", fmt.Sprintf("CAST(%d AS SMALLINT), ", f.ID)
}

// drain empties a channel its producer may still be writing to, so the
// producer's next send does not block forever after a failed load.
func drain[T any](in <-chan T) {
	go func() {
		for range in {
		}
	}()
}
