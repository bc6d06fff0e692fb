package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
)

// runsAlias is the name the side ledger is attached under in a read handle.
const runsAlias = "animetl_runs"

// Query runs one SELECT on the published file, opened read-only, with the
// side ledger of failed runs attached. After a publish or a failed run the
// next query opens the new files; result sets still open on the old ones
// finish there. A statement that is not a single SELECT fails with
// animetl.ErrReadOnly and does not run.
func (w *Warehouse) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	h, err := w.acquire()
	if err != nil {
		return nil, err
	}
	return h.query(ctx, q, args, func() error { w.release(h); return nil })
}

// query runs q on one connection of h once it is known to be one SELECT;
// done runs when the result is closed.
func (h *handle) query(ctx context.Context, q string, args []any, done func() error) (animetl.Rows, error) {
	conn, err := h.db.Conn(ctx)
	if err != nil {
		done()
		return nil, fmt.Errorf("duckdb: query: %w", err)
	}
	finish := func() error {
		err := conn.Close()
		if derr := done(); err == nil {
			err = derr
		}
		return err
	}
	if err := h.checked.check(conn, q); err != nil {
		finish()
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		finish()
		return nil, fmt.Errorf("duckdb: %w", animetl.NewStatementError(q, err))
	}
	return newRows(rows, finish)
}

// readerKey names the files a read handle was opened on.
type readerKey struct {
	published, runs uint64 // inodes; runs is 0 when there is no side ledger
}

// handle is one read-only instance on the published file (and side
// ledger) that readerKey names. Every query and snapshot holds a reference
// while it reads; when a publish makes a newer handle current, the old one
// is closed by the release of its last reference, so a reader never waits
// for another reader's result set and never sees its file closed under it.
type handle struct {
	db  *sql.DB
	key readerKey
	// refs and retired are guarded by the Warehouse's mu.
	refs    int
	retired bool
	// checked holds the statements that passed the read-only check.
	checked checkedSet
}

// currentKey stats the files the path names now; runs is the side ledger's
// path, or "" when there is none.
func (w *Warehouse) currentKey() (key readerKey, runs string, err error) {
	st, err := os.Stat(w.opts.Path)
	if errors.Is(err, os.ErrNotExist) {
		return key, "", fmt.Errorf("duckdb: no published warehouse at %s (run `animetl run` first): %w", w.opts.Path, animetl.ErrNotFound)
	}
	if err != nil {
		return key, "", fmt.Errorf("duckdb: %w", err)
	}
	key.published = inode(st)
	runs = w.runsPath()
	if rst, err := os.Stat(runs); err == nil {
		key.runs = inode(rst)
	} else if !errors.Is(err, os.ErrNotExist) {
		return key, "", fmt.Errorf("duckdb: %w", err)
	} else {
		runs = ""
	}
	return key, runs, nil
}

// acquire returns the handle on the files published now, with a reference
// the caller gives back with release. Opening a new handle happens outside
// the lock, so readers of the current handle never wait for it, and once
// per publish: the readers that see the new files together wait for one
// opening instead of each opening (and then closing) an instance of its
// own, which after a publish under load cost seconds of CPU.
func (w *Warehouse) acquire() (*handle, error) {
	key, runs, err := w.currentKey()
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	if h := w.cur; h != nil && h.key == key {
		h.refs++
		w.mu.Unlock()
		return h, nil
	}
	w.mu.Unlock()
	v, err, _ := w.opening.Do(fmt.Sprintf("%d/%d", key.published, key.runs), func() (any, error) {
		return w.open(key, runs)
	})
	if err != nil {
		return nil, err
	}
	// The handle opened is at least as new as key; take the current one,
	// which is that handle or a newer one.
	w.mu.Lock()
	h := w.cur
	if h == nil {
		h = v.(*handle)
	}
	h.refs++
	w.mu.Unlock()
	return h, nil
}

// open opens a handle on the files key names and makes it current.
func (w *Warehouse) open(key readerKey, runs string) (*handle, error) {
	db, err := w.openReader(runs)
	if err != nil {
		return nil, err
	}
	// The handle attached what the path named when it opened, at least as
	// new as key; if a publish came in between, label it with no key so the
	// next reader opens the newest files.
	if after, _, err := w.currentKey(); err != nil || after != key {
		key = readerKey{}
	}
	w.mu.Lock()
	if h := w.cur; h != nil && h.key == key && key != (readerKey{}) {
		w.mu.Unlock()
		db.Close()
		return h, nil
	}
	nh := &handle{db: db, key: key}
	old := w.cur
	w.cur = nh
	var stale *sql.DB
	if old != nil {
		old.retired = true
		if old.refs == 0 {
			stale = old.db
		}
	}
	w.mu.Unlock()
	if stale != nil {
		stale.Close()
	}
	return nh, nil
}

// release gives back a reference taken by acquire, closing a handle that
// is no longer current when its last reader is done.
func (w *Warehouse) release(h *handle) {
	w.mu.Lock()
	h.refs--
	last := h.retired && h.refs == 0
	w.mu.Unlock()
	if last {
		h.db.Close()
	}
}

// openReader opens the published file read-only, attached to an in-memory
// DuckDB instance of its own. duckdb-go shares file-backed instances per
// path across the process, so opening PATH itself would hand a second
// Warehouse on the same path the instance of a file already replaced; an
// in-memory instance is never shared, and each attaches the file PATH names
// now. The first connection attaches the published file and the side
// ledger (when runs is not empty), then shuts file access and locks the
// configuration for the whole instance; every connection then uses the
// published file as its default database and gets temporary views etl_run,
// etl_file, etl_reject and etl_check that add the side ledger's runs.
func (w *Warehouse) openReader(runs string) (*sql.DB, error) {
	readerOpens.Add(1)
	name := catalogName(w.opts.Path)
	ready := false
	c, err := duck.NewConnector(w.readDSN(), func(ex driver.ExecerContext) error {
		if !ready {
			return nil
		}
		if _, err := ex.ExecContext(context.Background(), `USE "`+sqlIdent(name)+`"`, nil); err != nil {
			return err
		}
		return ledgerViews(ex, name)
	})
	if err != nil {
		return nil, fmt.Errorf("duckdb: open %s read-only: %w", w.opts.Path, err)
	}
	stmts := []string{fmt.Sprintf(`ATTACH '%s' AS "%s" (READ_ONLY)`, sqlString(w.opts.Path), sqlIdent(name))}
	if runs != "" {
		stmts = append(stmts, fmt.Sprintf("ATTACH '%s' AS %s (READ_ONLY)", sqlString(runs), runsAlias))
	}
	stmts = append(stmts, "SET enable_external_access = false", "SET lock_configuration = true")
	if err := execOnce(c, stmts); err != nil {
		c.Close()
		return nil, fmt.Errorf("duckdb: open %s read-only: %w", w.opts.Path, err)
	}
	ready = true
	db := sql.OpenDB(c)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: open %s read-only: %w", w.opts.Path, err)
	}
	return db, nil
}

// readerOpens counts the read instances opened, for tests.
var readerOpens atomic.Int64

// catalogName is the name DuckDB gives a database file it opens: its base
// name without extension, so queries naming it keep working.
func catalogName(path string) string {
	base := filepath.Base(path)
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	switch strings.ToLower(base) {
	case "", "memory", "temp", "system", runsAlias:
		return "warehouse"
	}
	return base
}

// execOnce runs stmts on one fresh connection of c.
func execOnce(c *duck.Connector, stmts []string) error {
	dc, err := c.Connect(context.Background())
	if err != nil {
		return err
	}
	defer dc.Close()
	ex := dc.(driver.ExecerContext)
	for _, q := range stmts {
		if _, err := ex.ExecContext(context.Background(), q, nil); err != nil {
			return fmt.Errorf("%s: %w", firstLine(q), err)
		}
	}
	return nil
}

// ledgerViews shadows the published ledger tables with views that add the
// side ledger's runs, when one is attached.
func ledgerViews(ex driver.ExecerContext, main string) error {
	qc, ok := ex.(driver.QueryerContext)
	if !ok {
		return nil
	}
	attached, err := queryBool(qc, "SELECT count(*) > 0 FROM duckdb_databases() WHERE database_name = '"+runsAlias+"'")
	if err != nil || !attached {
		return err
	}
	pub := `"` + sqlIdent(main) + `".main.`
	for _, t := range append([]string{"etl_run"}, ledgerChildTables...) {
		q := fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW %s AS SELECT * FROM %s%s
			UNION ALL BY NAME SELECT * FROM %s.main.%s WHERE run_id NOT IN (SELECT run_id FROM %setl_run)`,
			t, pub, t, runsAlias, t, pub)
		if _, err := ex.ExecContext(context.Background(), q, nil); err != nil {
			return fmt.Errorf("ledger view %s: %w", t, err)
		}
	}
	return nil
}

func queryBool(qc driver.QueryerContext, q string) (bool, error) {
	v, err := queryValue(qc, q)
	b, _ := v.(bool)
	return b, err
}

func queryValue(qc driver.QueryerContext, q string) (any, error) {
	r, err := qc.QueryContext(context.Background(), q, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	v := make([]driver.Value, len(r.Columns()))
	if err := r.Next(v); err != nil {
		return nil, err
	}
	return v[0], nil
}

func sqlIdent(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func inode(st os.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return uint64(st.ModTime().UnixNano())
}
