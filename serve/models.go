package serve

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/animetl/animetl"
)

// Bounds of a model's build.
const (
	modelBuildTimeout = 2 * time.Minute
	// modelRetry is how long a run whose build failed (or built another
	// run: a publish came meanwhile) waits for the next attempt.
	modelRetry = 5 * time.Second
	// modelWait bounds how long a request of a newly published run waits
	// for that run's model before it reads through SQL instead: a build
	// takes well under a second at 8M rows, and a wait that short costs
	// less than every cold question hitting the new file at once.
	modelWait = 2 * time.Second
)

// models holds the model of the published run: one at a time (the
// catalogue is ~17.5k anime, a few tens of MB), built once per run in the
// background when a request first sees the run (or the server starts).
// Until it is built, answers are read through SQL from the published run:
// a request that starts after a publish never reads the previous run.
type models struct {
	pub animetl.Publication
	log *slog.Logger
	ctx context.Context // canceled when the server stops

	mu        sync.Mutex
	cur       *model
	building  bool
	built     chan struct{} // closed when the build under way ends
	lastRun   string        // the run of the last build started, and when
	lastStart time.Time
	wg        sync.WaitGroup
}

// get returns the model of pub when it is built. Else it starts pub's
// build when none is under way and returns nil, with a channel closed when
// the build under way for pub ends (nil when none is): answers are read
// through SQL from pub's published state, or from its model once built,
// never from an older model, so a publish is seen by every request that
// starts after it.
func (ms *models) get(pub animetl.PublishedRun) (*model, <-chan struct{}) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.cur != nil && ms.cur.run.RunID == pub.RunID {
		return ms.cur, nil
	}
	if ms.building {
		if ms.lastRun == pub.RunID {
			return nil, ms.built
		}
		return nil, nil
	}
	if ms.ctx.Err() != nil || (ms.lastRun == pub.RunID && time.Since(ms.lastStart) < modelRetry) {
		return nil, nil
	}
	ms.building, ms.lastRun, ms.lastStart = true, pub.RunID, time.Now()
	built := make(chan struct{})
	ms.built = built
	ms.wg.Add(1)
	go func() {
		defer ms.wg.Done()
		m, err := ms.build()
		ms.mu.Lock()
		defer ms.mu.Unlock()
		defer close(built)
		ms.building = false
		if err != nil {
			if ms.ctx.Err() == nil {
				ms.log.Warn("building the read model of the published run; reading through SQL meanwhile", animetl.LogError, err)
			}
			return
		}
		ms.cur = m
	}()
	return nil, built
}

// await returns the model of pub, waiting up to modelWait for a build of
// pub under way; nil when there is none by then (read through SQL).
func (ms *models) await(ctx context.Context, pub animetl.PublishedRun) *model {
	m, built := ms.get(pub)
	if m != nil || built == nil {
		return m
	}
	t := time.NewTimer(modelWait)
	defer t.Stop()
	select {
	case <-built:
		m, _ = ms.get(pub)
		return m
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

func (ms *models) build() (*model, error) {
	ctx, cancel := context.WithTimeout(ms.ctx, modelBuildTimeout)
	defer cancel()
	var err error
	for range maxAttempts {
		var snap animetl.Snapshot
		if snap, err = ms.pub.Snapshot(ctx); err != nil {
			return nil, err
		}
		start := time.Now()
		var m *model
		m, err = buildModel(ctx, snap, ms.lower)
		snap.Close()
		if err == nil {
			ms.log.Info("read model built", "run_id", m.run.RunID, "anime", len(m.animes), "seconds", time.Since(start).Seconds())
			return m, nil
		}
		if !errors.Is(err, animetl.ErrStale) {
			return nil, err
		}
	}
	return nil, err
}

// lower lower-cases a needle with the engine, through a snapshot of its
// own: it reads no table.
func (ms *models) lower(ctx context.Context, s string) (string, error) {
	snap, err := ms.pub.Snapshot(ctx)
	if err != nil {
		return "", err
	}
	defer snap.Close()
	return lowerWith(ctx, snap, s)
}

// current returns the last model built, whatever its run; nil before.
func (ms *models) current() *model {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.cur
}

// wait waits for a build under way; the caller cancels ctx first.
func (ms *models) wait() { ms.wg.Wait() }
