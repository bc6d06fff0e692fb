package serve

import (
	"context"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/recommend"
)

// reads answers the questions about the published data. Two answer them
// alike, to the byte: sqlReads through a snapshot, and the published run's
// model, read once per run and held in memory.
type reads interface {
	anime(ctx context.Context, id int64) (*animeDetail, error)
	search(ctx context.Context, text string, limit int) (*table, error)
	genres(ctx context.Context) (*table, error)
	topRated(ctx context.Context, limit, minRatings int, f listFilter) (*table, error)
	mostWatched(ctx context.Context, limit int, f listFilter) (*table, error)
	typeCounts(ctx context.Context) (*table, error)
	scoreHistogram(ctx context.Context) (*table, error)
	similar(ctx context.Context, id int64, limit int) (*recommend.Answer, error)
}

var (
	_ reads = sqlReads{}
	_ reads = (*model)(nil)
)

// source is what one answer reads: the published data (the run's model
// when it is built, else SQL through a snapshot) and, for the pages that
// show it, the ledger through a snapshot of the same published run.
type source struct {
	reads
	run animetl.PublishedRun

	pub  animetl.Publication
	snap animetl.Snapshot // nil until ledger asks for it when a model answers
}

// openSource returns the source of one answer: the model of the run
// published now when it is built (and a build started when it is not),
// else a snapshot. Close it when done.
func (s *Server) openSource(ctx context.Context) (*source, error) {
	pub, err := s.pub.Published(ctx)
	if err != nil {
		return nil, err
	}
	if m := s.models.await(ctx, pub); m != nil {
		return &source{reads: m, run: m.run, pub: s.pub}, nil
	}
	snap, err := s.pub.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &source{reads: sqlReads{snap}, run: snap.Run(), pub: s.pub, snap: snap}, nil
}

// ledger returns a Querier of the published state for the ledger's
// tables. Call it before reading anything else from the source: when the
// snapshot it opens reads another run than the model (a publish came, and
// Published has not seen it yet), the source reads everything from that
// snapshot instead, so a page never mixes two published states.
func (src *source) ledger(ctx context.Context) (animetl.Querier, error) {
	if src.snap != nil {
		return src.snap, nil
	}
	snap, err := src.pub.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if run := snap.Run(); run.RunID != src.run.RunID {
		src.reads, src.run = sqlReads{snap}, run
	}
	src.snap = snap
	return snap, nil
}

// close gives back the snapshot, if one was opened.
func (src *source) close() error {
	if src.snap == nil {
		return nil
	}
	return src.snap.Close()
}
