package pipeline

import (
	"context"
	"fmt"

	"github.com/animetl/animetl"
)

// parquetPath returns the stage and output of the file-level ingest of the
// list file fl, when both sides offer it: the stage ingests Parquet
// (animetl.ParquetStage) and the engine hands it over
// (animetl.ParquetOutput). The base list needs an engine that resolved its
// repeats and counted it (animetl.ResolvedOutput): no entry goes by for
// the probe to watch.
func parquetPath(stage animetl.Stage, fl *animetl.FileLoad, e *engineRun) (animetl.ParquetStage, animetl.ParquetOutput, bool) {
	ps, ok := stage.(animetl.ParquetStage)
	if !ok || fl.Kind != animetl.KindAnimeList {
		return nil, nil, false
	}
	po, ok := e.out.(animetl.ParquetOutput)
	if !ok {
		return nil, nil, false
	}
	if _, resolved := e.out.(animetl.ResolvedOutput); fl.Date == "" && !resolved {
		return nil, nil, false
	}
	return ps, po, true
}

// ingestListParquet has the stage ingest the Parquet of fl's clean entries
// whole while the output streams fl's rejects, and returns the records
// read. The base list's counts come from the engine (useBaseCounts).
func ingestListParquet(ctx context.Context, ps animetl.ParquetStage, po animetl.ParquetOutput, fl *animetl.FileLoad, rs *rejectSink, counter *listCounter) (int64, error) {
	files, entries, rows, err := po.ListParquet(ctx, fl, rs.add)
	if err != nil {
		return 0, err
	}
	n, err := ps.IngestListParquet(ctx, fl, files)
	if err != nil {
		return 0, err
	}
	if n != entries {
		return 0, fmt.Errorf("%s: the engine wrote %d entries, the warehouse loaded %d", fl.Info.Name, entries, n)
	}
	if fl.Date == "" {
		if err := useBaseCounts(po.(animetl.ResolvedOutput), fl, counter); err != nil {
			return 0, err
		}
	}
	return rows, nil
}
