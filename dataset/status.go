package dataset

import (
	"math"

	"github.com/animetl/animetl"
)

// WatchingStatusColumns is the header of watching_status.csv; the real file
// writes " description" with a leading space, which header mapping ignores.
var WatchingStatusColumns = []string{"status", "description"}

var statusSpec = fileSpec{kind: animetl.KindWatchingStatus, required: WatchingStatusColumns}

type statusCleaner struct{ status, description int }

func newStatusCleaner(h *header) *statusCleaner {
	return &statusCleaner{status: h.col("status"), description: h.col("description")}
}

func (c *statusCleaner) clean(rec *Record) (animetl.WatchingStatus, *fieldError) {
	s := animetl.WatchingStatus{Line: rec.Line}
	v, err := parseInt("status", rec.Fields[c.status], 0, math.MaxInt16)
	if err != nil {
		return s, err
	}
	s.Status = int16(v)
	d, err := text("description", rec.Fields[c.description])
	if err != nil {
		return s, err
	}
	if d == nil {
		return s, errf("description", "empty description")
	}
	s.Description = *d
	return s, nil
}
