package dataset

import (
	"fmt"
	"math"

	"github.com/animetl/animetl"
)

// AnimeColumns is the header of anime.csv in the public layout.
var AnimeColumns = []string{
	"MAL_ID", "Name", "Score", "Genres", "English name", "Japanese name", "Type", "Episodes",
	"Aired", "Premiered", "Producers", "Licensors", "Studios", "Source", "Duration", "Rating",
	"Ranked", "Popularity", "Members", "Favorites", "Watching", "Completed", "On-Hold",
	"Dropped", "Plan to Watch", "Score-10", "Score-9", "Score-8", "Score-7", "Score-6",
	"Score-5", "Score-4", "Score-3", "Score-2", "Score-1",
}

var animeSpec = fileSpec{kind: animetl.KindAnime, required: AnimeColumns}

const maxInt32 = math.MaxInt32

// animeCleaner turns anime.csv records into animetl.Anime.
type animeCleaner struct {
	h *header
	// field positions
	id, name, score, genres, english, japanese, typ, episodes, aired, premiered,
	producers, licensors, studios, source, duration, rating, ranked, popularity,
	members, favorites, watching, completed, onHold, dropped, planToWatch int
	votes [10]int // votes[i] is the position of Score-(i+1)
	mem   arena   // the rows' strings and values
}

func newAnimeCleaner(h *header) *animeCleaner {
	c := &animeCleaner{h: h,
		id: h.col("MAL_ID"), name: h.col("Name"), score: h.col("Score"), genres: h.col("Genres"),
		english: h.col("English name"), japanese: h.col("Japanese name"), typ: h.col("Type"),
		episodes: h.col("Episodes"), aired: h.col("Aired"), premiered: h.col("Premiered"),
		producers: h.col("Producers"), licensors: h.col("Licensors"), studios: h.col("Studios"),
		source: h.col("Source"), duration: h.col("Duration"), rating: h.col("Rating"),
		ranked: h.col("Ranked"), popularity: h.col("Popularity"), members: h.col("Members"),
		favorites: h.col("Favorites"), watching: h.col("Watching"), completed: h.col("Completed"),
		onHold: h.col("On-Hold"), dropped: h.col("Dropped"), planToWatch: h.col("Plan to Watch"),
	}
	for i := range c.votes {
		c.votes[i] = h.col(fmt.Sprintf("Score-%d", i+1))
	}
	return c
}

// clean applies the catalogue rules of DATASET.md: Unknown is nil in every
// column, lists split on commas, Aired into dates (raw kept), Premiered into
// season and year, Duration into minutes, float text into integers.
func (c *animeCleaner) clean(rec *Record) (animetl.Anime, *fieldError) {
	f := rec.Fields
	a := animetl.Anime{Line: rec.Line}
	var err *fieldError
	id, err := parseInt("MAL_ID", f[c.id], 1, maxInt32)
	if err != nil {
		return a, err
	}
	a.ID = int32(id)
	texts := []struct {
		col string
		pos int
		dst **string
	}{
		{"Name", c.name, &a.Name}, {"English name", c.english, &a.EnglishName},
		{"Japanese name", c.japanese, &a.JapaneseName}, {"Type", c.typ, &a.Type},
		{"Source", c.source, &a.Source}, {"Rating", c.rating, &a.AgeRating},
	}
	for _, t := range texts {
		if *t.dst, err = c.mem.text(t.col, f[t.pos]); err != nil {
			return a, err
		}
	}
	score, ok, err := scoreField(f[c.score])
	if err != nil {
		return a, err
	}
	if ok {
		a.Score = put(&c.mem.scores, score)
	}
	if a.Episodes, err = c.mem.optInt("Episodes", f[c.episodes], 0, maxInt32); err != nil {
		return a, err
	}
	if a.AiredRaw, err = c.mem.text("Aired", f[c.aired]); err != nil {
		return a, err
	}
	if a.AiredRaw != nil {
		from, to, hasFrom, hasTo, _ := parseAired(*a.AiredRaw)
		if hasFrom {
			a.AiredFrom = put(&c.mem.times, from)
		}
		if hasTo {
			a.AiredTo = put(&c.mem.times, to)
		}
	}
	season, year, ok, err := premieredField(f[c.premiered])
	if err != nil {
		return a, err
	}
	if ok {
		a.PremieredSeason, a.PremieredYear = put(&c.mem.strs, season), put(&c.mem.i16, year)
	}
	minutes, ok, err := durationField(f[c.duration])
	if err != nil {
		return a, err
	}
	if ok {
		a.DurationMinutes = put(&c.mem.f64, minutes)
	}
	if a.Ranked, err = c.mem.optInt("Ranked", f[c.ranked], 0, maxInt32); err != nil {
		return a, err
	}
	counts := []struct {
		col string
		pos int
		dst **int32
	}{
		{"Popularity", c.popularity, &a.Popularity}, {"Members", c.members, &a.Members},
		{"Favorites", c.favorites, &a.Favorites}, {"Watching", c.watching, &a.Watching},
		{"Completed", c.completed, &a.Completed}, {"On-Hold", c.onHold, &a.OnHold},
		{"Dropped", c.dropped, &a.Dropped}, {"Plan to Watch", c.planToWatch, &a.PlanToWatch},
	}
	for _, n := range counts {
		if *n.dst, err = c.mem.optInt(n.col, f[n.pos], 0, maxInt32); err != nil {
			return a, err
		}
	}
	for i, pos := range c.votes {
		if a.Votes[i], err = c.mem.optInt(voteColumns[i], f[pos], 0, maxInt32); err != nil {
			return a, err
		}
	}
	lists := []struct {
		col string
		pos int
		dst *[]string
	}{
		{"Genres", c.genres, &a.Genres}, {"Producers", c.producers, &a.Producers},
		{"Licensors", c.licensors, &a.Licensors}, {"Studios", c.studios, &a.Studios},
	}
	for _, l := range lists {
		if *l.dst, err = c.mem.list(l.col, f[l.pos]); err != nil {
			return a, err
		}
	}
	return a, nil
}

// scoreField cleans the Score column: Unknown is no score (ok false).
func scoreField(b []byte) (s animetl.Score, ok bool, err *fieldError) {
	if isMissing(b) {
		return 0, false, nil
	}
	s, ok = ParseScore(string(b))
	if !ok {
		return 0, false, errf("Score", "not a score in [1, 10]: %s", quote(b))
	}
	return s, true, nil
}

// premieredField cleans the Premiered column: Unknown is no season (ok
// false).
func premieredField(b []byte) (season string, year int16, ok bool, err *fieldError) {
	if isMissing(b) {
		return "", 0, false, nil
	}
	season, year, ok = ParsePremiered(string(b))
	if !ok {
		return "", 0, false, errf("Premiered", "not a season and year: %s", quote(b))
	}
	return season, year, true, nil
}

// durationField cleans the Duration column: Unknown is no duration (ok
// false).
func durationField(b []byte) (minutes float64, ok bool, err *fieldError) {
	if isMissing(b) {
		return 0, false, nil
	}
	minutes, ok = ParseDuration(string(b))
	if !ok {
		return 0, false, errf("Duration", "not a duration: %s", quote(b))
	}
	return minutes, true, nil
}

// voteColumns name the Score-N columns, Votes[i] from Score-(i+1).
var voteColumns = func() (names [10]string) {
	for i := range names {
		names[i] = fmt.Sprintf("Score-%d", i+1)
	}
	return names
}()
