package lake

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
)

// stageTable is the encoder's table a warehouse table is copied into.
const stageTable = "lake_stage"

// encoder turns a warehouse table into Parquet files through an in-memory
// DuckDB: the rows are appended to a table there (spilling to tmp past
// the memory limit) and written with COPY ... (FORMAT parquet).
type encoder struct {
	db   *sql.DB
	conn *sql.Conn
	tmp  string
}

func newEncoder(ctx context.Context, opts Options) (*encoder, error) {
	tmp, err := os.MkdirTemp(opts.TempDir, "animetl-lake-")
	if err != nil {
		return nil, fmt.Errorf("lake: temporary folder: %w", err)
	}
	e := &encoder{tmp: tmp}
	if e.db, err = sql.Open("duckdb", ""); err != nil {
		e.close()
		return nil, fmt.Errorf("lake: open the encoder: %w", err)
	}
	if e.conn, err = e.db.Conn(ctx); err != nil {
		e.close()
		return nil, fmt.Errorf("lake: open the encoder: %w", err)
	}
	set := []string{
		"SET memory_limit = " + sqlString(opts.MemoryLimit),
		"SET temp_directory = " + sqlString(tmp),
	}
	if opts.Threads > 0 {
		set = append(set, fmt.Sprintf("SET threads = %d", opts.Threads))
	}
	for _, s := range set {
		if _, err := e.conn.ExecContext(ctx, s); err != nil {
			e.close()
			return nil, fmt.Errorf("lake: %s: %w", s, err)
		}
	}
	return e, nil
}

func (e *encoder) close() {
	if e.conn != nil {
		e.conn.Close()
	}
	if e.db != nil {
		e.db.Close()
	}
	os.RemoveAll(e.tmp)
}

// table writes table as read from q into dir (the staged run folder, whose
// path from the lake's root is rel) and describes what it wrote.
func (e *encoder) table(ctx context.Context, q animetl.Querier, dir, rel, table string, buckets int) (TableManifest, error) {
	tm := TableManifest{Name: table}
	defer e.conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+stageTable)
	cols, casts, err := e.stage(ctx, q, table)
	if err != nil {
		return TableManifest{}, err
	}
	for _, c := range cols {
		tm.Columns = append(tm.Columns, Column{Name: c.name, Type: c.lake})
	}
	if tm.Rows, err = e.count(ctx, "SELECT count(*) FROM "+stageTable); err != nil {
		return TableManifest{}, fmt.Errorf("lake: %s: %w", table, err)
	}

	sel := "SELECT " + strings.Join(casts, ", ") + " FROM " + stageTable
	if table != FactTable {
		f, err := e.copy(ctx, sel, dir, rel, table+"/part-00000.parquet")
		if err != nil {
			return TableManifest{}, fmt.Errorf("lake: %s: %w", table, err)
		}
		tm.Files = []File{f}
		return tm, nil
	}
	// user_bucket = user_id % buckets; the outer modulo keeps a negative
	// id in a bucket rather than losing it.
	var written int64
	for b := range buckets {
		where := fmt.Sprintf(" WHERE ((user_id %% %d) + %d) %% %d = %d ORDER BY user_id, anime_id", buckets, buckets, buckets, b)
		f, err := e.copy(ctx, sel+where, dir, rel, fmt.Sprintf("%s/user_bucket=%02d/part-00000.parquet", table, b))
		if err != nil {
			return TableManifest{}, fmt.Errorf("lake: %s bucket %d: %w", table, b, err)
		}
		tm.Files = append(tm.Files, f)
		n, err := e.count(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE ((user_id %% %d) + %d) %% %d = %d", stageTable, buckets, buckets, buckets, b))
		if err != nil {
			return TableManifest{}, fmt.Errorf("lake: %s bucket %d: %w", table, b, err)
		}
		written += n
	}
	if written != tm.Rows {
		return TableManifest{}, fmt.Errorf("lake: %s: %d rows read but %d written to buckets", table, tm.Rows, written)
	}
	return tm, nil
}

// stage copies table as read from q into the encoder's stage table and
// returns its columns and the select list that casts them to their lake
// types. The caller drops the stage table.
func (e *encoder) stage(ctx context.Context, q animetl.Querier, table string) ([]column, []string, error) {
	cols, err := columns(ctx, q, table)
	if err != nil {
		return nil, nil, err
	}
	defs := make([]string, len(cols))
	names := make([]string, len(cols))
	casts := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = ident(c.name) + " " + c.stage
		names[i] = ident(c.name)
		casts[i] = ident(c.name)
		if c.stage != c.lake {
			casts[i] = fmt.Sprintf("CAST(%s AS %s) AS %s", ident(c.name), c.lake, ident(c.name))
		}
	}
	if _, err := e.conn.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s (%s)", stageTable, strings.Join(defs, ", "))); err != nil {
		return nil, nil, fmt.Errorf("lake: stage %s: %w", table, err)
	}
	rows, err := q.Query(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+ident(table))
	if err != nil {
		return nil, nil, fmt.Errorf("lake: read %s: %w", table, err)
	}
	defer rows.Close()
	if _, err := e.append(ctx, rows, stageTable, len(names)); err != nil {
		return nil, nil, fmt.Errorf("lake: copy %s into the encoder: %w", table, err)
	}
	return cols, casts, nil
}

// append streams rows, width columns each, into the encoder table into,
// and returns how many it appended.
func (e *encoder) append(ctx context.Context, rows animetl.Rows, into string, width int) (int64, error) {
	var n int64
	err := e.appender(into, func(add func(...driver.Value) error) error {
		buf := make([]driver.Value, width)
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				return err
			}
			for i := range buf {
				buf[i] = v[i]
			}
			if err := add(buf...); err != nil {
				return err
			}
			n++
			if n%65536 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	return n, rows.Close()
}

// appender opens a DuckDB Appender on the encoder table into, lets fill add
// rows through it, and flushes them when fill succeeds.
func (e *encoder) appender(into string, fill func(add func(...driver.Value) error) error) error {
	return e.conn.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("encoder connection is %T", dc)
		}
		ap, err := duck.NewAppenderFromConn(conn, "", into)
		if err != nil {
			return err
		}
		if err := fill(func(v ...driver.Value) error { return ap.AppendRow(v...) }); err != nil {
			ap.Close()
			return err
		}
		return ap.Close()
	})
}

// copy writes the result of sel to the Parquet file name under dir.
func (e *encoder) copy(ctx context.Context, sel, dir, rel, name string) (File, error) {
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return File{}, err
	}
	stmt := fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd)", sel, sqlString(path))
	if _, err := e.conn.ExecContext(ctx, stmt); err != nil {
		return File{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return File{}, err
	}
	st, err := f.Stat()
	if err != nil {
		return File{}, err
	}
	return File{Path: rel + "/" + name, Bytes: st.Size()}, nil
}

func (e *encoder) count(ctx context.Context, q string) (int64, error) {
	var n int64
	err := e.conn.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}
