package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

// scanLimits are the limits of the scan before a direct load (tests lower them).
var scanLimits = dataset.DefaultScanLimits

// directPath returns the local path of a list file the stage can read
// itself, or false when the file takes the decoders' path: the switch is
// off, the stage or the source cannot, or the file is compressed.
func directPath(cfg Config, stage animetl.Stage, fl *animetl.FileLoad) (animetl.DirectListLoader, string, bool) {
	if !cfg.DirectListLoad || fl.Kind != animetl.KindAnimeList {
		return nil, "", false
	}
	dl, ok := stage.(animetl.DirectListLoader)
	if !ok {
		return nil, "", false
	}
	lf, ok := cfg.Source.(animetl.LocalFiles)
	if !ok {
		return nil, "", false
	}
	if _, c := splitCodec(fl.Info.Name); c != codecNone {
		return nil, "", false
	}
	path, ok := lf.LocalPath(fl.Info)
	return dl, path, ok
}

// loadDirect loads a plain local list file through the stage's own reader:
// it scans the file once here (checksum, size, the lines to decode one by
// one, the key probe and counts), has the stage load and prove the clean
// lines, then loads what the decoder made of the others. It returns false
// when the file must take the decoders' path instead; nothing of the file
// was loaded or counted then.
func loadDirect(ctx context.Context, cfg Config, log *slog.Logger, stage animetl.Stage, fl *animetl.FileLoad, rs *rejectSink, probe *keyProbe, counter *listCounter) ([]string, bool, error) {
	dl, path, ok := directPath(cfg, stage, fl)
	if !ok {
		return nil, false, nil
	}
	name := fl.Info.Name
	rc, cr, err := openCounted(ctx, cfg, fl)
	if err != nil {
		return nil, false, err
	}
	defer rc.Close()
	// The base feeds the probe and the counts in file order, on copies
	// that replace the run's only once the load stands.
	base := fl.Date == ""
	lp, lc := newKeyProbe(), newListCounter()
	batch := make([]animetl.ListEntry, 0, 8192)
	flush := func() {
		if len(batch) > 0 {
			lp.observe(batch)
			if lp.known {
				lc.add(batch)
			}
			batch = batch[:0]
		}
	}
	see := func(e animetl.ListEntry) {
		if base {
			if batch = append(batch, e); len(batch) == cap(batch) {
				flush()
			}
		}
	}
	t0 := time.Now()
	var slow []animetl.ListEntry
	var rejects []*animetl.RowError
	scan, err := dataset.ScanList(cr, name, scanLimits, see, func(e animetl.ListEntry) {
		see(e)
		slow = append(slow, e)
	}, func(e *animetl.RowError) { rejects = append(rejects, e) })
	if err != nil {
		return nil, false, err
	}
	log.Debug("list scanned", animetl.LogFile, name, animetl.LogDuration, time.Since(t0))
	if scan.Unsafe != "" {
		log.Info("file decoded here", animetl.LogFile, name, "reason", scan.Unsafe)
		return nil, false, nil
	}
	flush()
	n := cr.n.Load()
	if fl.Info.Size >= 0 && n != fl.Info.Size {
		return nil, false, fmt.Errorf("%s: read %d bytes, the source listed %d: the object changed or was cut short", name, n, fl.Info.Size)
	}
	if scan.Rows == 0 && needsRows(fl) {
		return nil, false, fmt.Errorf("%s: %w", name, animetl.ErrNoRows)
	}
	if err := dl.LoadListDirect(ctx, fl, path, scan.Direct); err != nil {
		if errors.Is(err, animetl.ErrDirectMismatch) {
			log.Warn("file decoded here", animetl.LogFile, name, "reason", err.Error())
			return nil, false, nil
		}
		return nil, false, err
	}
	if len(slow) > 0 {
		if _, err := streamBatches(ctx, func(ctx context.Context, in <-chan []animetl.ListEntry) error {
			return stage.LoadList(ctx, fl, in)
		}, func(send func([]animetl.ListEntry) error) (int64, error) {
			for len(slow) > 0 {
				k := min(len(slow), cfg.BatchSize)
				if err := send(slow[:k:k]); err != nil {
					return 0, err
				}
				slow = slow[k:]
			}
			return 0, nil
		}); err != nil {
			return nil, false, err
		}
	}
	for _, e := range rejects {
		if err := rs.add(e); err != nil {
			return nil, false, err
		}
	}
	if base {
		*probe, *counter = *lp, *lc
	}
	animetl.Failpoint("load")
	log.Debug("list loaded by the warehouse's reader", animetl.LogFile, name, "decoded_here", len(scan.Direct.Skip))
	fl.RowsRead = scan.Rows
	fl.Checksum = cr.Checksum()
	if cfg.Progress != nil {
		cfg.Progress(Progress{File: name, Bytes: n, Size: fl.Info.Size, Done: true})
	}
	return scan.Layout.Ignored, true, nil
}
