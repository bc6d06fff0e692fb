package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

// TestLockRecordWriteFails: a holder record that cannot be written fails the
// lock instead of leaving a run that others cannot name.
func TestLockRecordWriteFails(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("needs /dev/full, whose writes fail with ENOSPC")
	}
	path := filepath.Join(t.TempDir(), "w.duckdb.lock")
	if err := os.Symlink("/dev/full", path); err != nil {
		t.Fatal(err)
	}
	l, _, err := acquireLock(context.Background(), path, time.Second, animetl.LockHolder{RunID: "r1", PID: 1})
	if err == nil {
		l.release()
		t.Fatal("lock taken although its holder record could not be written")
	}
	if !strings.Contains(err.Error(), "write lock") {
		t.Errorf("err = %v, want it to say the lock record could not be written", err)
	}
}
