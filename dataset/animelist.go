package dataset

import (
	"math"

	"github.com/animetl/animetl"
)

// AnimeListColumns is the header of animelist.csv and of its daily delta files.
var AnimeListColumns = []string{"user_id", "anime_id", "rating", "watching_status", "watched_episodes"}

var animeListSpec = fileSpec{kind: animetl.KindAnimeList, required: AnimeListColumns, singleLine: true}

// listCleaner turns animelist.csv records into animetl.ListEntry without
// allocating on the happy path.
type listCleaner struct {
	user, anime, rating, status, episodes int
}

func newListCleaner(h *header) *listCleaner {
	return &listCleaner{
		user: h.col("user_id"), anime: h.col("anime_id"), rating: h.col("rating"),
		status: h.col("watching_status"), episodes: h.col("watched_episodes"),
	}
}

// clean applies the list rules: ids are positive (user ids from 0), rating is
// 0-10 with 0 meaning not rated, the status is any non-negative code (codes the
// lookup lacks are kept and flagged later), watched episodes are non-negative.
func (c *listCleaner) clean(rec *Record) (animetl.ListEntry, *fieldError) {
	f := rec.Fields
	e := animetl.ListEntry{Line: rec.Line}
	v, err := parseInt("user_id", f[c.user], 0, maxInt32)
	if err != nil {
		return e, err
	}
	e.UserID = int32(v)
	if v, err = parseInt("anime_id", f[c.anime], 1, maxInt32); err != nil {
		return e, err
	}
	e.AnimeID = int32(v)
	if v, err = parseInt("rating", f[c.rating], 0, 10); err != nil {
		return e, err
	}
	e.Rating = int16(v)
	if v, err = parseInt("watching_status", f[c.status], 0, math.MaxInt16); err != nil {
		return e, err
	}
	e.Status = int16(v)
	if v, err = parseInt("watched_episodes", f[c.episodes], 0, maxInt32); err != nil {
		return e, err
	}
	e.Episodes = int32(v)
	return e, nil
}
