package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/animetl/animetl"
)

// ErrLockLost is returned (wrapped) by a stage whose run lock's session
// ended while the run was under way: another run may have taken the lock
// and the stage schema, so the run stops without publishing and leaves the
// stage schema alone.
var ErrLockLost = errors.New("run lock lost")

// runLock is the session advisory lock that keeps runs apart, held on a
// connection of its own. The server releases a session lock when its
// session ends, for whatever reason (the process died, idle_session_timeout,
// a NAT timeout, a failover), so the lock is kept alive by a periodic query
// and verified inside the publish transaction. Every connection of a run
// that holds the lock carries its application_name (runTag): the next
// holder terminates the leftovers of a run that lost it, so a run that
// outlived its lock cannot write into the next run's stage.
type runLock struct {
	w   *Warehouse
	mu  sync.Mutex // serialises use of conn
	c   *pgx.Conn
	pid uint32
	// started is the session's backend_start: with pid it names the session
	// for sure (a pid can be reused by a later session).
	started time.Time
	lost    error // set once the session is known to be gone

	stop chan struct{}
	done chan struct{}
}

// runTag is the application_name of every connection of a run on this
// warehouse (one lock per target schema).
func (w *Warehouse) runTag() string { return fmt.Sprintf("animetl run %016x", uint64(w.lockID)) }

// acquireLock takes the session advisory lock on a connection of its own,
// waiting up to LockTimeout, and starts its keep-alive.
func (w *Warehouse) acquireLock(ctx context.Context) (*runLock, error) {
	conn, err := pgx.ConnectConfig(ctx, w.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	fail := func(err error) (*runLock, error) {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	start := time.Now()
	wait := 50 * time.Millisecond
	for {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", w.lockID).Scan(&ok); err != nil {
			return fail(fmt.Errorf("postgres: lock: %w", err))
		}
		if ok {
			break
		}
		waited := time.Since(start)
		if waited >= w.opts.LockTimeout {
			return fail(&animetl.LockedError{Holder: w.lockHolder(ctx), Waited: waited})
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(min(wait, w.opts.LockTimeout-waited)):
		}
		wait = min(wait*2, time.Second)
	}
	l := &runLock{w: w, c: conn, stop: make(chan struct{}), done: make(chan struct{})}
	// Tagged only now: a run still waiting for the lock is no leftover.
	if err := conn.QueryRow(ctx, `SELECT pid, backend_start, set_config('application_name', $1, false)
		FROM pg_stat_activity WHERE pid = pg_backend_pid()`, w.runTag()).Scan(&l.pid, &l.started, nil); err != nil {
		return fail(fmt.Errorf("postgres: lock: %w", err))
	}
	go l.keepAlive(w.opts.LockKeepAlive)
	return l, nil
}

// keepAlive queries the lock's session every interval, so that it is never
// idle long enough for idle_session_timeout or a NAT to end it, and notes
// when it is gone.
func (l *runLock) keepAlive(every time.Duration) {
	defer close(l.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		l.mu.Lock()
		if l.lost == nil {
			ctx, cancel := context.WithTimeout(context.Background(), every)
			_, err := l.c.Exec(ctx, "SELECT 1")
			cancel()
			if err != nil {
				l.lost = l.lostError()
			}
		}
		l.mu.Unlock()
		if l.err() != nil {
			l.w.log.Error("the run lock's session ended; this run will not publish", animetl.LogError, l.err())
			return
		}
	}
}

func (l *runLock) lostError() error {
	return fmt.Errorf("%w: its database session (pid %d) ended, so another run may hold it now; nothing was published", ErrLockLost, l.pid)
}

// err returns the lock-lost error once the keep-alive or a use of the
// session found it gone.
func (l *runLock) err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// exec runs a statement on the lock's session; a dead session marks the
// lock lost.
func (l *runLock) exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return pgconn.CommandTag{}, l.lost
	}
	tag, err := l.c.Exec(ctx, q, args...)
	if err != nil && l.c.IsClosed() {
		l.lost = l.lostError()
		return tag, fmt.Errorf("%w (%v)", l.lost, err)
	}
	return tag, err
}

// alive returns the lock-lost error unless a query on the lock's session
// succeeds.
func (l *runLock) alive(ctx context.Context) error {
	_, err := l.exec(ctx, "SELECT 1")
	if lost := l.err(); lost != nil {
		return lost
	}
	if err != nil {
		return fmt.Errorf("postgres: check the run lock: %w", err)
	}
	return nil
}

// verify fails with ErrLockLost unless the lock's session still holds the
// lock, as the server sees it from q (the publish transaction).
func (l *runLock) verify(ctx context.Context, q execer) error {
	if err := l.err(); err != nil {
		return err
	}
	var held bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks k JOIN pg_stat_activity a ON a.pid = k.pid
		WHERE k.locktype = 'advisory' AND k.granted AND k.pid = $1 AND a.backend_start = $2
		  AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND k.classid::bigint = $3 AND k.objid::bigint = $4 AND k.objsubid = 1)`,
		int64(l.pid), l.started, int64(uint64(l.w.lockID)>>32), int64(uint64(l.w.lockID)&0xffffffff)).Scan(&held)
	if err != nil {
		return fmt.Errorf("postgres: verify the run lock: %w", err)
	}
	if !held {
		l.mu.Lock()
		if l.lost == nil {
			l.lost = l.lostError()
		}
		l.mu.Unlock()
		return l.err()
	}
	return nil
}

// endLeftovers terminates the sessions of earlier runs on this warehouse
// that are still connected although their lock is gone (we hold it now):
// a run that lost its lock must not go on writing into the stage schema the
// next run recreates.
func (l *runLock) endLeftovers(ctx context.Context) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	err := l.c.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid() AND datname = current_database()`, l.w.runTag()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: end the sessions of a run that lost the lock: %w", err)
	}
	return n, nil
}

// release stops the keep-alive, unlocks and closes the session (closing it
// releases the lock for sure).
func (l *runLock) release(ctx context.Context) error {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	if l.lost == nil {
		_, err = l.c.Exec(ctx, "SELECT pg_advisory_unlock($1)", l.w.lockID)
	}
	l.c.Close(ctx)
	return err
}
