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

// maxFastFields bounds the fields of a line listCleaner.fast decodes.
const maxFastFields = 16

// fast decodes a line (with its terminator) that is plain ASCII digits and
// commas, fields fields of 1 to 18 digits each, whose values clean accepts;
// ok is false for any other line, which the Reader and clean then decode
// (and reject with their reason). For the lines it takes, the result is
// clean's: the Reader would split the line on its commas, and parseInt
// would read the same digits (no spaces, signs, quotes or decimals here).
// It does the work of both in one pass over the bytes: 2 to 3 times
// faster than the Reader and clean on the list's lines.
func (c *listCleaner) fast(line []byte, fields int) (animetl.ListEntry, bool) {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if fields > maxFastFields || len(line) == 0 {
		return animetl.ListEntry{}, false
	}
	var vals [maxFastFields]int64
	f, digits := 0, 0
	var v int64
	for _, ch := range line {
		switch {
		case ch >= '0' && ch <= '9':
			if digits == 18 {
				return animetl.ListEntry{}, false
			}
			v = v*10 + int64(ch-'0')
			digits++
		case ch == ',' && digits > 0 && f < fields-1:
			vals[f] = v
			f++
			v, digits = 0, 0
		default:
			return animetl.ListEntry{}, false
		}
	}
	if digits == 0 || f != fields-1 {
		return animetl.ListEntry{}, false
	}
	vals[f] = v
	user, anime, rating, status, episodes := vals[c.user], vals[c.anime], vals[c.rating], vals[c.status], vals[c.episodes]
	if user > maxInt32 || anime < 1 || anime > maxInt32 || rating > 10 || status > math.MaxInt16 || episodes > maxInt32 {
		return animetl.ListEntry{}, false
	}
	return animetl.ListEntry{UserID: int32(user), AnimeID: int32(anime), Rating: int16(rating),
		Status: int16(status), Episodes: int32(episodes)}, true
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
