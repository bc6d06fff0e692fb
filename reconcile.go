package animetl

// Counts are what a warehouse measured of a run's files, by file id
// (loaded) or by file name (rejected and duplicate lines in etl_reject).
type Counts struct {
	Loaded    map[int16]int64
	Rejected  map[string]int64
	Duplicate map[string]int64
}

// Summaries builds the per-file summaries of a run from the files as read
// and the counts as the warehouse measured them, in load order.
func Summaries(files []*FileLoad, c Counts) []FileSummary {
	out := make([]FileSummary, 0, len(files))
	for _, f := range files {
		out = append(out, FileSummary{
			Name:          f.Info.Name,
			RowsRead:      f.RowsRead,
			RowsLoaded:    c.Loaded[f.ID],
			RowsRejected:  c.Rejected[f.Info.Name],
			RowsDuplicate: c.Duplicate[f.Info.Name],
			Size:          f.Info.Size,
			Checksum:      f.Checksum,
			ETag:          f.Info.ETag,
		})
	}
	return out
}
