package synth

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// unknown is how the real files spell a missing value, in every column.
const unknown = "Unknown"

// Types and their rough real shares.
var (
	types       = []string{"TV", "OVA", "Movie", "Special", "ONA", "Music", unknown}
	typeWeights = []float64{4996, 2900, 3041, 2218, 1907, 1469, 37}
	rxTypes     = []float64{5, 75, 5, 10, 5, 0, 0}
)

// Type indices.
const (
	typeTV = iota
	typeOVA
	typeMovie
	typeSpecial
	typeONA
	typeMusic
	typeUnknown
)

// Age ratings: Rx is chosen apart, so it has no weight here.
var (
	ratings       = []string{"G - All Ages", "PG - Children", "PG-13 - Teens 13 or older", "R - 17+ (violence & profanity)", "R+ - Mild Nudity", unknown}
	ratingWeights = []float64{2900, 1700, 6100, 1800, 1300, 516}
	kidsRatings   = []float64{70, 25, 5, 0, 0, 3}
)

// ratingRx is the age rating of adult titles, absent from the synopsis file.
const ratingRx = "Rx - Hentai"

// Sources with rough real shares.
var (
	sources = []string{"Original", "Manga", unknown, "Light novel", "Game", "Visual novel", "Other", "Novel",
		"Web manga", "4-koma manga", "Music", "Picture book", "Book", "Card game", "Radio", "Digital manga"}
	sourceWeights = []float64{5200, 3500, 3500, 900, 700, 600, 500, 450, 200, 300, 150, 100, 150, 60, 20, 10}
)

// seasons maps a month (1-12) to its anime season.
var seasons = [13]string{"", "Winter", "Winter", "Winter", "Spring", "Spring", "Spring", "Summer", "Summer", "Summer", "Fall", "Fall", "Fall"}

// episodesFor draws an episode count for a type; 0 means Unknown.
func episodesFor(r *rand.Rand, typ int, airing bool) int32 {
	if airing && chance(r, 0.6) || typ == typeUnknown && chance(r, 0.8) || chance(r, 0.01) {
		return 0
	}
	switch typ {
	case typeTV:
		return int32([]int{12, 12, 12, 13, 13, 24, 25, 26, 26, 10, 11, 50, 51, 52, 39, 6, between(r, 1, 220)}[r.IntN(17)])
	case typeOVA:
		if chance(r, 0.5) {
			return 1
		}
		return int32(between(r, 2, 13))
	case typeMovie:
		if chance(r, 0.97) {
			return 1
		}
		return int32(between(r, 2, 4))
	case typeSpecial:
		if chance(r, 0.5) {
			return 1
		}
		return int32(between(r, 2, 13))
	case typeONA:
		if chance(r, 0.3) {
			return 1
		}
		return int32(between(r, 2, 26))
	case typeMusic:
		if chance(r, 0.95) {
			return 1
		}
		return int32(between(r, 2, 5))
	}
	return int32(between(r, 1, 12))
}

// airedFor draws the Aired text and the Premiered text in every real shape.
// eps 0 means the episode count is Unknown.
func airedFor(r *rand.Rand, typ, year int, eps int32, airing bool) (aired, premiered string) {
	month := time.Month(between(r, 1, 12))
	start := time.Date(year, month, between(r, 1, 28), 0, 0, 0, 0, time.UTC)
	full, monthYear, yearOnly := start.Format("Jan 2, 2006"), start.Format("Jan 2006"), strconv.Itoa(year)
	season := ""
	switch u := r.Float64(); {
	case u < 0.012:
		return unknown, unknown
	case airing:
		switch v := r.Float64(); {
		case v < 0.7:
			aired, season = full+" to ?", seasons[month]
		case v < 0.85:
			aired, season = monthYear+" to ?", seasons[month]
		default:
			aired = yearOnly + " to ?"
		}
	case u < 0.04:
		aired = yearOnly
	case u < 0.07:
		aired, season = start.Format("Jan, 2006"), seasons[month]
	case eps == 1:
		aired, season = full, seasons[month]
	default:
		n := int(eps)
		if n == 0 {
			n = between(r, 30, 500)
		}
		end := start.AddDate(0, 0, 7*(n-1))
		if typ != typeTV {
			end = start.AddDate(0, between(r, 0, n), between(r, 0, 27))
		}
		aired, season = full+" to "+end.Format("Jan 2, 2006"), seasons[month]
	}
	premiered = unknown
	if typ == typeTV && season != "" && chance(r, 0.9) {
		premiered = season + " " + yearOnly
	}
	return aired, premiered
}

// durationFor draws the Duration text: a per-episode length for series, a
// total for single episodes, in every real shape.
func durationFor(r *rand.Rand, typ int, eps int32) string {
	if chance(r, 0.025) || typ == typeUnknown && chance(r, 0.7) {
		return unknown
	}
	u := r.Float64()
	var secs int
	mins := func(lo, hi int) int { return 60 * between(r, lo, hi) }
	switch typ {
	case typeTV:
		switch {
		case u < 0.6:
			secs = mins(23, 24)
		case u < 0.75:
			secs = mins(20, 26)
		case u < 0.95:
			secs = mins(2, 15)
		case u < 0.98:
			secs = mins(45, 70)
		default:
			secs = between(r, 15, 59)
		}
	case typeOVA:
		switch {
		case u < 0.6:
			secs = mins(20, 30)
		case u < 0.85:
			secs = mins(30, 60)
		case u < 0.95:
			secs = mins(60, 120)
		default:
			secs = mins(2, 15)
		}
	case typeMovie:
		switch {
		case u < 0.06:
			secs = 7200
		case u < 0.6:
			secs = mins(60, 150)
		case u < 0.97:
			secs = mins(1, 59)
		default:
			secs = between(r, 20, 59)
		}
	case typeSpecial, typeONA:
		switch {
		case u < 0.4:
			secs = mins(1, 10)
		case u < 0.8:
			secs = mins(10, 30)
		case u < 0.9:
			secs = []int{15, 20, 30, 30, 45}[r.IntN(5)]
		default:
			secs = mins(30, 100)
		}
	default: // Music and Unknown
		switch {
		case u < 0.85:
			secs = mins(2, 6)
		case u < 0.95:
			secs = between(r, 30, 59)
		default:
			secs = mins(6, 20)
		}
	}
	return formatDuration(secs, eps != 1)
}

// formatDuration writes a length the way MAL does: "1 hr. 5 min.", "2 hr.",
// "24 min.", "30 sec.", with " per ep." for series.
func formatDuration(secs int, perEpisode bool) string {
	h, m := secs/3600, secs%3600/60
	var s string
	switch {
	case h > 0 && m > 0:
		s = strconv.Itoa(h) + " hr. " + strconv.Itoa(m) + " min."
	case h > 0:
		s = strconv.Itoa(h) + " hr."
	case m > 0:
		s = strconv.Itoa(m) + " min."
	default:
		s = strconv.Itoa(secs) + " sec."
	}
	if perEpisode {
		s += " per ep."
	}
	return s
}
