package duckdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/animetl/animetl"
)

// fileLock is the run lock of a DuckDB warehouse: an flock(2) on PATH.lock,
// which the kernel releases when the holding process dies, so a lock left by
// a killed run is never stale. The file holds the holder's identity as JSON
// for error messages; a holder that did not clear it at release died mid-run.
type fileLock struct {
	f *os.File
}

// acquireLock takes the lock, waiting up to timeout. prev is the holder a
// dead run left behind, if any.
func acquireLock(ctx context.Context, path string, timeout time.Duration, me animetl.LockHolder) (*fileLock, *animetl.LockHolder, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("duckdb: open lock %s: %w", path, err)
	}
	start := time.Now()
	wait := 50 * time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, nil, fmt.Errorf("duckdb: lock %s: %w", path, err)
		}
		waited := time.Since(start)
		if waited >= timeout {
			holder, _ := readHolder(f)
			f.Close()
			h := animetl.LockHolder{}
			if holder != nil {
				h = *holder
			}
			return nil, nil, &animetl.LockedError{Holder: h, Waited: waited}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, nil, ctx.Err()
		case <-time.After(min(wait, timeout-waited)):
		}
		wait = min(wait*2, time.Second)
	}
	prev, _ := readHolder(f)
	if err := writeHolder(f, me); err != nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		return nil, nil, fmt.Errorf("duckdb: write lock %s: %w", path, err)
	}
	return &fileLock{f: f}, prev, nil
}

// writeHolder replaces the lock file's content with me, durably.
func writeHolder(f *os.File, me animetl.LockHolder) error {
	b, err := json.Marshal(me)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Sync()
}

func readHolder(f *os.File) (*animetl.LockHolder, error) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<16))
	if err != nil || len(b) == 0 {
		return nil, err
	}
	var h animetl.LockHolder
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// release clears the holder and unlocks.
func (l *fileLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Truncate(0)
	if uerr := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN); err == nil {
		err = uerr
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
