package duckdb

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
)

// readDSN is the DSN of the in-memory instance a read handle attaches the
// published file to: no extension installed or loaded on demand, spills in
// PATH.tmp as a file-backed instance would. openReader then shuts the other
// doors a query could open for the whole instance: no file, network or
// extension access (so no COPY TO, no read_csv of /etc/shadow, no ATTACH,
// INSTALL or LOAD), and a locked configuration, so no SET can open them again.
func (w *Warehouse) readDSN() string {
	v := url.Values{}
	v.Set("memory_limit", w.opts.MemoryLimit)
	if n := w.threads(); n > 0 {
		v.Set("threads", strconv.Itoa(n))
	}
	v.Set("temp_directory", w.opts.Path+".tmp")
	v.Set("autoinstall_known_extensions", "false")
	v.Set("autoload_known_extensions", "false")
	return ":memory:?" + v.Encode()
}

// checkReadOnly refuses q unless it is exactly one SELECT statement. The
// handle's settings already stop writes and reads outside the warehouse;
// this says so plainly, before anything runs, and also stops what those
// settings allow (CREATE TEMP, PRAGMA, EXPLAIN ANALYZE of a write). It
// prepares q without running it: duckdb-go runs every statement but the
// last of a multi-statement query while preparing it with a context, so the
// context-free Prepare, which refuses more than one statement, is used.
func checkReadOnly(conn *sql.Conn, q string) error {
	checkPrepares.Add(1)
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("duckdb: query: unexpected driver connection %T", dc)
		}
		st, err := c.Prepare(q) //nolint:staticcheck // Prepare (no context) refuses multi-statement queries instead of running them
		if err != nil {
			if strings.Contains(err.Error(), "multi-statement") {
				return fmt.Errorf("duckdb: query: more than one statement: %w", animetl.ErrReadOnly)
			}
			return fmt.Errorf("duckdb: %w", animetl.NewStatementError(q, err))
		}
		defer st.Close()
		ds, ok := st.(*duck.Stmt)
		if !ok {
			return fmt.Errorf("duckdb: query: unexpected driver statement %T", st)
		}
		typ, err := ds.StatementType()
		if err != nil {
			return fmt.Errorf("duckdb: query: %w", err)
		}
		if typ != duck.STATEMENT_TYPE_SELECT {
			return fmt.Errorf("duckdb: query: %s statement refused: %w", animetl.StatementKeyword(q), animetl.ErrReadOnly)
		}
		return nil
	})
}

// maxChecked bounds the statements a checkedSet remembers.
const maxChecked = 1024

// checkedSet remembers the statement texts that passed checkReadOnly, so
// each is prepared once for the check instead of once per query: whether a
// text is one SELECT does not change. A server asks the same few constant
// statements thousands of times a second; the check's prepare cost as much
// as the statement's own. Refused texts are not remembered (they never
// run), and past maxChecked texts the check simply runs every time.
type checkedSet struct {
	mu sync.RWMutex
	m  map[string]struct{}
}

// check runs checkReadOnly unless q passed it before.
func (c *checkedSet) check(conn *sql.Conn, q string) error {
	c.mu.RLock()
	_, ok := c.m[q]
	c.mu.RUnlock()
	if ok {
		return nil
	}
	if err := checkReadOnly(conn, q); err != nil {
		return err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]struct{}{}
	}
	if len(c.m) < maxChecked {
		c.m[q] = struct{}{}
	}
	c.mu.Unlock()
	return nil
}

// checkPrepares counts the statements checkReadOnly prepared, for tests.
var checkPrepares atomic.Int64
