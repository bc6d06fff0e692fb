package dataset

import (
	"io"

	"github.com/animetl/animetl"
)

// ListDeleteColumns is the header of a deletes file
// (animelist/date=YYYY-MM-DD/deletes/*.csv).
var ListDeleteColumns = []string{"user_id", "anime_id"}

var listDeleteSpec = fileSpec{kind: animetl.KindListDelete, required: ListDeleteColumns, singleLine: true}

type deleteCleaner struct{ user, anime int }

func newDeleteCleaner(h *header) *deleteCleaner {
	return &deleteCleaner{user: h.col("user_id"), anime: h.col("anime_id")}
}

func (c *deleteCleaner) clean(rec *Record) (animetl.ListDelete, *fieldError) {
	d := animetl.ListDelete{Line: rec.Line}
	v, err := parseInt("user_id", rec.Fields[c.user], 0, maxInt32)
	if err != nil {
		return d, err
	}
	d.UserID = int32(v)
	if v, err = parseInt("anime_id", rec.Fields[c.anime], 1, maxInt32); err != nil {
		return d, err
	}
	d.AnimeID = int32(v)
	return d, nil
}

// DecodeListDeletes streams a deletes file: the (user_id, anime_id) pairs
// removed from users' lists that day. A pair named twice is a duplicate.
// Errors are as for DecodeAnime.
func DecodeListDeletes(r io.Reader, file string, emit func(animetl.ListDelete) error, reject func(*animetl.RowError) error) (Result, error) {
	rep := NewRepeats(file, "user_id,anime_id", func(a, b animetl.ListDelete) bool { return true })
	return decode(r, file, listDeleteSpec, newDeleteCleaner, keyed(rep, func(d animetl.ListDelete) (int64, int64) {
		return int64(d.UserID)<<32 | int64(d.AnimeID), d.Line
	}), emit, reject)
}
