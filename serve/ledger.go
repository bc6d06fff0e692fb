package serve

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/animetl/animetl"
)

// The run ledger (etl_run and its children) changes between publishes: a
// failed run publishes nothing but adds its rows. Answers that read it are
// cached under the published run and the ledger's version, a few counts
// read by one tiny query at most once per ledgerCheck, shared by every
// request, so the runs pages are read once per change, not once per request.

var sqlLedgerVersion = sqlText("ledger_version")

// ledgerCheck is how often the ledger's version is read while requests
// ask for it.
const ledgerCheck = time.Second

// ledgerVersion is the ledger's version as last read.
type ledgerVersion struct {
	mu         sync.Mutex
	v          string
	run        string // the published run it was read under
	at         time.Time
	refreshing bool
	wg         sync.WaitGroup
}

// ledgerVersion returns the ledger's version under the published run pub.
// A version older than ledgerCheck is returned as it is while one
// background read renews it; a publish (a new run) reads it at once.
func (s *Server) ledgerVersion(ctx context.Context, pub animetl.PublishedRun) (string, error) {
	lv := &s.ledger
	now := s.opts.Now()
	lv.mu.Lock()
	if lv.run == pub.RunID && lv.v != "" {
		v := lv.v
		if now.Sub(lv.at) >= ledgerCheck && !lv.refreshing && s.models.ctx.Err() == nil {
			lv.refreshing = true
			lv.wg.Add(1)
			go func() {
				defer lv.wg.Done()
				ctx, cancel := context.WithTimeout(s.models.ctx, s.opts.ReadTimeout)
				defer cancel()
				s.readLedgerVersion(ctx, pub.RunID)
			}()
		}
		lv.mu.Unlock()
		return v, nil
	}
	lv.mu.Unlock()
	v, err, _ := s.flight.Do("ledger\x00"+pub.RunID, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ReadTimeout)
		defer cancel()
		return s.readLedgerVersion(ctx, pub.RunID)
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// readLedgerVersion reads the version and keeps it.
func (s *Server) readLedgerVersion(ctx context.Context, run string) (string, error) {
	lv := &s.ledger
	at := s.opts.Now()
	v, err := s.queryLedgerVersion(ctx)
	lv.mu.Lock()
	defer lv.mu.Unlock()
	lv.refreshing = false
	if err != nil {
		return "", err
	}
	lv.v, lv.run, lv.at = v, run, at
	return v, nil
}

func (s *Server) queryLedgerVersion(ctx context.Context) (string, error) {
	snap, err := s.pub.Snapshot(ctx)
	if err != nil {
		return "", err
	}
	defer snap.Close()
	t, err := queryTable(ctx, snap, sqlLedgerVersion)
	if err != nil {
		return "", err
	}
	if len(t.Rows) != 1 {
		return "", fmt.Errorf("serve: ledger version: want one row, got %d", len(t.Rows))
	}
	parts := make([]string, len(t.Rows[0]))
	for i, v := range t.Rows[0] {
		parts[i] = csvCell(v)
	}
	return snap.Run().RunID + "/" + strings.Join(parts, "/"), snap.Close()
}

// fromLedgerCache answers key from the ledger cache of the published run
// and the ledger's version, building it once (singleflight) on a miss; the
// answer lives ledgerTTL at most.
func (s *Server) fromLedgerCache(ctx context.Context, pub animetl.PublishedRun, key string, build func(context.Context) (*built, error)) (*entry, error) {
	v, err := s.ledgerVersion(ctx, pub)
	if err != nil {
		return nil, err
	}
	if e := s.ledgerCache.getAt(v, key, s.opts.Now()); e != nil {
		s.metrics.cacheHits.Inc()
		return e, nil
	}
	s.metrics.cacheMisses.Inc()
	res, err, _ := s.flight.Do("ledger\x00"+v+"\x00"+key, func() (any, error) {
		// Shared by every request waiting for this key: the first client
		// leaving does not cancel the others' answer.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ReadTimeout)
		defer cancel()
		b, err := build(ctx)
		if err != nil {
			return nil, err
		}
		b.expires = s.opts.Now().Add(ledgerTTL)
		if b.runID == pub.RunID {
			s.ledgerCache.put(v, key, &b.entry)
		}
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return &res.(*built).entry, nil
}
