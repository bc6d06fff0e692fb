package pipeline

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

// engineRun is what a run's ListEngine made of the list files it took, and
// the header columns each of them ignored.
type engineRun struct {
	out     animetl.ListOutput
	ignored map[*animetl.FileLoad][]string
}

// has reports whether the engine transformed fl; a nil engineRun (the
// local engine) has no file.
func (e *engineRun) has(fl *animetl.FileLoad) bool {
	if e == nil {
		return false
	}
	_, ok := e.ignored[fl]
	return ok
}

// close removes the engine's stage; a failure to is logged, not fatal:
// the next run removes what is left.
func (e *engineRun) close(log *slog.Logger) {
	if e == nil {
		return
	}
	if err := e.out.Close(); err != nil {
		log.Warn("engine stage not removed", animetl.LogError, err)
	}
}

// transform has cfg.ListEngine clean the run's list and deletes files, and
// the catalogue files when the engine takes them (takes).
// The pipeline reads each file's header itself, so a bad header fails the
// run as it does with the local engine. Files the engine cannot read as
// they are stored stay with the Go decoders: compressed ones, and UTF-16
// or CR-only text (the decoders transcode it). It returns nil when the run
// has no engine or no file for it.
func transform(ctx context.Context, cfg Config, log *slog.Logger, runID string, loads []*animetl.FileLoad) (*engineRun, error) {
	if cfg.ListEngine == nil {
		return nil, nil
	}
	e := &engineRun{ignored: map[*animetl.FileLoad][]string{}}
	var files []animetl.ListFile
	for _, fl := range loads {
		if !takes(cfg.ListEngine, fl.Kind) {
			continue
		}
		name := fl.Info.Name
		if _, c := splitCodec(name); c != codecNone {
			log.Info("file decoded locally", animetl.LogFile, name, "reason", "compressed")
			continue
		}
		lay, err := readLayout(ctx, cfg, fl)
		if err != nil {
			return nil, err
		}
		if !lay.Plain {
			log.Info("file decoded locally", animetl.LogFile, name, "reason", "UTF-16 or CR-only text")
			continue
		}
		files = append(files, animetl.ListFile{Load: fl, Fields: lay.Fields, Pos: lay.Pos})
		e.ignored[fl] = lay.Ignored
	}
	if len(files) == 0 {
		return nil, nil
	}
	out, err := cfg.ListEngine.Transform(ctx, runID, files)
	if err != nil {
		return nil, fmt.Errorf("%s engine: %w", cfg.ListEngine.Name(), err)
	}
	e.out = out
	return e, nil
}

// takes reports whether eng cleans files of kind k: the list and deletes
// files, and the catalogue files when it is a CatalogueEngine that says so.
func takes(eng animetl.ListEngine, k animetl.Kind) bool {
	switch k {
	case animetl.KindAnimeList, animetl.KindListDelete:
		return true
	case animetl.KindAnime, animetl.KindSynopsis, animetl.KindWatchingStatus:
		c, ok := eng.(animetl.CatalogueEngine)
		return ok && c.CleansCatalogue()
	}
	return false
}

// readLayout reads the header of a file an engine takes.
func readLayout(ctx context.Context, cfg Config, fl *animetl.FileLoad) (dataset.ListLayout, error) {
	rc, err := cfg.Source.Open(ctx, fl.Info)
	if err != nil {
		return dataset.ListLayout{}, fmt.Errorf("open %s: %w", fl.Info.Name, err)
	}
	defer rc.Close()
	if fl.Kind == animetl.KindAnimeList || fl.Kind == animetl.KindListDelete {
		return dataset.ReadListLayout(rc, fl.Info.Name, fl.Kind)
	}
	return dataset.ReadCatalogueLayout(rc, fl.Info.Name, fl.Kind)
}

// ingestFile streams what the engine made of fl into the stage, as
// loadFile streams the decoders' output, and returns the columns its
// header ignored. The engine read the file, so no checksum is recorded.
func ingestFile(ctx context.Context, cfg Config, stage animetl.Stage, fl *animetl.FileLoad, rs *rejectSink, probe *keyProbe, counter *listCounter, e *engineRun) ([]string, error) {
	var rows int64
	var err error
	ps, po, fileLevel := parquetPath(stage, fl, e)
	switch {
	case fileLevel:
		rows, err = ingestListParquet(ctx, ps, po, fl, rs, counter)
	case fl.Kind == animetl.KindAnimeList:
		res, resolved := e.out.(animetl.ResolvedOutput)
		_, err = streamBatches(ctx, func(ctx context.Context, in <-chan []animetl.ListEntry) error {
			return stage.LoadList(ctx, fl, in)
		}, func(send func([]animetl.ListEntry) error) (int64, error) {
			rows, err = e.out.Read(ctx, fl, func(es []animetl.ListEntry) error {
				if fl.Date == "" && !resolved {
					probe.observe(es)
					if probe.known { // the counts are used only when the probe knows the repeats
						counter.add(es)
					}
				}
				return send(es)
			}, nil, rs.add)
			return rows, err
		})
		if err == nil && resolved && fl.Date == "" {
			err = useBaseCounts(res, fl, counter)
		}
	case fl.Kind == animetl.KindListDelete:
		_, err = streamBatches(ctx, func(ctx context.Context, in <-chan []animetl.ListDelete) error {
			return stage.LoadDeletes(ctx, fl, in)
		}, func(send func([]animetl.ListDelete) error) (int64, error) {
			rows, err = e.out.Read(ctx, fl, nil, send, rs.add)
			return rows, err
		})
	case fl.Kind == animetl.KindAnime, fl.Kind == animetl.KindSynopsis, fl.Kind == animetl.KindWatchingStatus:
		rows, err = ingestCatalogue(ctx, stage, fl, rs, e)
	default:
		return nil, fmt.Errorf("%s: the engine does not read kind %v", fl.Info.Name, fl.Kind)
	}
	if err != nil {
		return nil, err
	}
	if rows == 0 && needsRows(fl) {
		return nil, fmt.Errorf("%s: %w", fl.Info.Name, animetl.ErrNoRows)
	}
	fl.RowsRead = rows
	if cfg.Progress != nil {
		cfg.Progress(Progress{File: fl.Info.Name, Bytes: fl.Info.Size, Size: fl.Info.Size, Done: true})
	}
	return e.ignored[fl], nil
}

// useBaseCounts takes the counts of the base list fl from the engine that
// resolved its repeats: the probe, which saw none of its entries, stays
// known with no repeat, so the warehouse gets the counts with no
// BaseRepeats and neither searches the base for repeats nor scans it.
func useBaseCounts(res animetl.ResolvedOutput, fl *animetl.FileLoad, counter *listCounter) error {
	counts, err := res.BaseCounts(fl)
	if err != nil {
		return err
	}
	counter.given = counts
	return nil
}

// ingestCatalogue streams what the engine made of a catalogue file into
// the stage, as loadFile streams the decoder's output.
func ingestCatalogue(ctx context.Context, stage animetl.Stage, fl *animetl.FileLoad, rs *rejectSink, e *engineRun) (int64, error) {
	out, ok := e.out.(animetl.CatalogueOutput)
	if !ok {
		return 0, fmt.Errorf("%s: the engine took a catalogue file but cannot read it back", fl.Info.Name)
	}
	var rows int64
	var err error
	switch fl.Kind {
	case animetl.KindAnime:
		_, err = streamBatches(ctx, func(ctx context.Context, in <-chan []animetl.Anime) error {
			return stage.LoadAnime(ctx, fl, in)
		}, func(send func([]animetl.Anime) error) (int64, error) {
			rows, err = out.ReadAnime(ctx, fl, send, rs.add)
			return rows, err
		})
	case animetl.KindSynopsis:
		_, err = streamBatches(ctx, func(ctx context.Context, in <-chan []animetl.Synopsis) error {
			return stage.LoadSynopses(ctx, fl, in)
		}, func(send func([]animetl.Synopsis) error) (int64, error) {
			rows, err = out.ReadSynopses(ctx, fl, send, rs.add)
			return rows, err
		})
	default:
		_, err = streamBatches(ctx, func(ctx context.Context, in <-chan []animetl.WatchingStatus) error {
			return stage.LoadStatuses(ctx, fl, in)
		}, func(send func([]animetl.WatchingStatus) error) (int64, error) {
			rows, err = out.ReadStatuses(ctx, fl, send, rs.add)
			return rows, err
		})
	}
	return rows, err
}
