package pipeline

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

// rejectSink batches rejects of the file being decoded into the reject channel.
type rejectSink struct {
	ctx   context.Context
	out   chan<- []animetl.RowError
	size  int
	buf   []animetl.RowError
	count map[string]int64
}

func (r *rejectSink) add(e *animetl.RowError) error {
	if r.count == nil {
		r.count = map[string]int64{}
	}
	r.count[e.File]++
	r.buf = append(r.buf, *e)
	if len(r.buf) >= r.size {
		return r.flush()
	}
	return nil
}

func (r *rejectSink) flush() error {
	if len(r.buf) == 0 {
		return nil
	}
	select {
	case r.out <- r.buf:
		r.buf = nil
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// loadFile streams one file through its decoder into the stage and returns
// the columns of its header that the decoder did not use. A compressed file
// is decompressed on the way: its size, checksum and progress are of the
// bytes as stored, its rows those of the decompressed text.
func loadFile(ctx context.Context, cfg Config, stage animetl.Stage, fl *animetl.FileLoad, rs *rejectSink, probe *keyProbe, counter *listCounter) ([]string, error) {
	name := fl.Info.Name
	rc, cr, err := openCounted(ctx, cfg, fl)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	_, c := splitCodec(name)
	dr, err := decompress(name, c, cr)
	if err != nil {
		return nil, err
	}
	defer dr.Close()
	var rows int64
	var ignored []string
	switch fl.Kind {
	case animetl.KindAnimeList:
		rows, err = streamBatches(ctx, func(ctx context.Context, in <-chan []animetl.ListEntry) error {
			return stage.LoadList(ctx, fl, in)
		}, func(send func([]animetl.ListEntry) error) (int64, error) {
			opts := dataset.ListOptions{Workers: cfg.ParseWorkers}
			if ko, ok := stage.(animetl.KeyOrderLoader); ok {
				opts.ByAnime = ko.LoadsInKeyOrder()
			}
			res, err := dataset.DecodeAnimeListParallel(dr, name, opts,
				func(es []animetl.ListEntry) error {
					if fl.Date == "" { // the base list: deltas are merged by the warehouse
						drop := rs.add
						if cfg.WarehouseRepeats {
							drop = nil
						}
						var err error
						if es, err = probe.sift(es, name, drop); err != nil {
							return err
						}
						if probe.known { // the counts are used only when the probe knows the repeats
							counter.add(es)
						}
					}
					defer animetl.Failpoint("load") // after this block is handed to the warehouse
					for len(es) > 0 {               // keep batches small enough to spread over the loaders
						n := min(len(es), cfg.BatchSize)
						if err := send(es[:n:n]); err != nil {
							return err
						}
						es = es[n:]
					}
					return nil
				}, rs.add)
			ignored = res.Ignored
			return res.Rows, err
		})
	case animetl.KindAnime:
		rows, err = stream(ctx, 1024, func(ctx context.Context, in <-chan []animetl.Anime) error {
			return stage.LoadAnime(ctx, fl, in)
		}, func(emit func(animetl.Anime) error) (int64, error) {
			res, err := dataset.DecodeAnime(dr, name, emit, rs.add)
			ignored = res.Ignored
			return res.Rows, err
		})
	case animetl.KindSynopsis:
		rows, err = stream(ctx, 1024, func(ctx context.Context, in <-chan []animetl.Synopsis) error {
			return stage.LoadSynopses(ctx, fl, in)
		}, func(emit func(animetl.Synopsis) error) (int64, error) {
			res, err := dataset.DecodeSynopsis(dr, name, emit, rs.add)
			ignored = res.Ignored
			return res.Rows, err
		})
	case animetl.KindListDelete:
		rows, err = stream(ctx, 1024, func(ctx context.Context, in <-chan []animetl.ListDelete) error {
			return stage.LoadDeletes(ctx, fl, in)
		}, func(emit func(animetl.ListDelete) error) (int64, error) {
			res, err := dataset.DecodeListDeletes(dr, name, emit, rs.add)
			ignored = res.Ignored
			return res.Rows, err
		})
	case animetl.KindWatchingStatus:
		rows, err = stream(ctx, 1024, func(ctx context.Context, in <-chan []animetl.WatchingStatus) error {
			return stage.LoadStatuses(ctx, fl, in)
		}, func(emit func(animetl.WatchingStatus) error) (int64, error) {
			res, err := dataset.DecodeWatchingStatus(dr, name, emit, rs.add)
			ignored = res.Ignored
			return res.Rows, err
		})
	default:
		return nil, fmt.Errorf("%s: no decoder for kind %v", name, fl.Kind)
	}
	if err != nil {
		return nil, err
	}
	if err := dr.Close(); err != nil { // stops the decompressor's goroutines before the bytes are counted
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	n := cr.n.Load()
	if fl.Info.Size >= 0 && n != fl.Info.Size {
		return nil, fmt.Errorf("%s: read %d bytes, the source listed %d: the object changed or was cut short", name, n, fl.Info.Size)
	}
	if rows == 0 && needsRows(fl) {
		return nil, fmt.Errorf("%s: %w", name, animetl.ErrNoRows)
	}
	fl.RowsRead = rows
	fl.Checksum = cr.Checksum()
	if cfg.Progress != nil {
		cfg.Progress(Progress{File: name, Bytes: n, Size: fl.Info.Size, Done: true})
	}
	return ignored, nil
}

// streamBatches is stream for decoders that produce whole batches.
func streamBatches[T any](ctx context.Context,
	load func(context.Context, <-chan []T) error,
	decode func(send func([]T) error) (int64, error)) (int64, error) {
	in := make(chan []T, 4)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return load(gctx, in) })
	var rows int64
	g.Go(func() error {
		defer close(in)
		n, err := decode(func(b []T) error {
			select {
			case in <- b:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
		rows = n
		return err
	})
	err := g.Wait()
	return rows, err
}

// stream runs a decoder and a stage loader side by side: the decoder's
// records travel in batches over a small channel, so memory stays flat and
// the first error of either side stops both.
func stream[T any](ctx context.Context, batchSize int,
	load func(context.Context, <-chan []T) error,
	decode func(emit func(T) error) (int64, error)) (int64, error) {
	return streamBatches(ctx, load, func(send func([]T) error) (int64, error) {
		batch := make([]T, 0, batchSize)
		n, err := decode(func(v T) error {
			batch = append(batch, v)
			if len(batch) < batchSize {
				return nil
			}
			full := batch
			batch = make([]T, 0, batchSize)
			return send(full)
		})
		if err == nil && len(batch) > 0 {
			err = send(batch)
		}
		return n, err
	})
}
