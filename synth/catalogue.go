package synth

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// Columns of anime.csv, in header order.
const (
	colID = iota
	colName
	colScore
	colGenres
	colEnglish
	colJapanese
	colType
	colEpisodes
	colAired
	colPremiered
	colProducers
	colLicensors
	colStudios
	colSource
	colDuration
	colRating
	colRanked
	colPopularity
	colMembers
	colFavorites
	colWatching
	colCompleted
	colOnHold
	colDropped
	colPlanToWatch
	colScore10   // Score-10, then down to Score-1 at colScore10+9
	animeColumns = colScore10 + 10
)

// animeHeader is the header of anime.csv.
const animeHeader = "MAL_ID,Name,Score,Genres,English name,Japanese name,Type,Episodes,Aired,Premiered," +
	"Producers,Licensors,Studios,Source,Duration,Rating,Ranked,Popularity,Members,Favorites,Watching," +
	"Completed,On-Hold,Dropped,Plan to Watch,Score-10,Score-9,Score-8,Score-7,Score-6,Score-5,Score-4," +
	"Score-3,Score-2,Score-1"

// anime is one title: its anime.csv fields as text plus the latent values
// the user lists draw on. Phantom titles (ids the lists use but the
// catalogue lacks) have no row.
type anime struct {
	id       int32
	row      []string
	rx       bool
	typ      int
	episodes int32   // 0 when Unknown
	quality  float64 // latent mean rating on the 1-10 scale
	mask     uint64  // genre bit mask over genres
	members  int64
}

// genreTable samples the titles of one genre by popularity.
type genreTable struct {
	idx   []int32
	table alias
}

// catalogue holds the titles and the sampling tables built over them.
type catalogue struct {
	anime   []anime // n catalogue titles, then the phantom ids
	n       int
	phantom map[int32]bool
	popular alias // over anime[:n] by members
	byGenre [len(genres)]genreTable
	// genreShare weights a genre's chance of being a user's favourite.
	genreShare [len(genres)]float64
}

// trollShare is the share of catalogue votes spread evenly over 1-10, which
// gives popular titles the long tails of real histograms.
const trollShare = 0.015

// ratingSD is the spread of users' ratings around a title's quality; the
// catalogue's vote histogram uses it too, so Score matches what lists say.
const ratingSD = 1.35

// newCatalogue builds n titles from seed. It depends on nothing else, so the
// catalogue is the same whatever the rows and defect rate.
func newCatalogue(seed uint64, n int) *catalogue {
	r := newRand(seed, streamCatalogue)
	c := &catalogue{n: n, anime: make([]anime, n), phantom: map[int32]bool{}}
	id := int32(1)
	var bases []string
	for i := range c.anime {
		c.anime[i] = newAnime(r, id, float64(i)/float64(n), &bases, c.anime[:i])
		id += 1 + int32(r.ExpFloat64()*1.75)
	}
	c.setPopularity(r)
	c.setScores(r)
	c.addPhantoms(r)
	c.buildTables()
	return c
}

// buildTables builds the popularity and per-genre sampling tables over the
// n catalogue titles from their members and genre masks.
func (c *catalogue) buildTables() {
	weights := make([]float64, c.n)
	for i := range c.anime[:c.n] {
		weights[i] = float64(c.anime[i].members)
	}
	c.popular = newAlias(weights)
	for g := range genres {
		var idx []int32
		var w []float64
		for i, a := range c.anime[:c.n] {
			if a.mask&(1<<g) != 0 {
				idx = append(idx, int32(i))
				w = append(w, float64(a.members))
				c.genreShare[g] += float64(a.members)
			}
		}
		if len(idx) > 0 {
			c.byGenre[g] = genreTable{idx: idx, table: newAlias(w)}
		}
	}
}

// newAnime draws the descriptive fields of one title; pos in [0, 1) is its
// place in id order, older titles first. Popularity, scores and ranks come
// later, once every title exists.
func newAnime(r *rand.Rand, id int32, pos float64, bases *[]string, earlier []anime) anime {
	a := anime{id: id, row: make([]string, animeColumns)}
	row := a.row
	row[colID] = strconv.Itoa(int(id))
	a.rx = chance(r, 0.077)
	if a.rx {
		a.typ = pick(r, rxTypes)
	} else {
		a.typ = pick(r, typeWeights)
	}
	year := int(clamp(math.Round(1975+45*math.Pow(pos, 0.6)+normal(r, 0, 4)), 1917, 2021))
	airing := (a.typ == typeTV || a.typ == typeONA) && year >= 2019 && chance(r, 0.25) ||
		a.typ == typeTV && chance(r, 0.01) || year == 2021 && chance(r, 0.5)
	a.episodes = episodesFor(r, a.typ, airing)
	row[colType] = types[a.typ]
	row[colEpisodes] = unknown
	if a.episodes > 0 {
		row[colEpisodes] = strconv.Itoa(int(a.episodes))
	}
	row[colAired], row[colPremiered] = airedFor(r, a.typ, year, a.episodes, airing)
	row[colDuration] = durationFor(r, a.typ, a.episodes)
	row[colGenres], a.mask = genreList(r, a.rx)
	if !a.rx && chance(r, 0.0035) {
		row[colGenres], a.mask = unknown, 0
	}
	switch {
	case a.rx:
		row[colRating] = ratingRx
	case a.mask&(1<<15) != 0: // Kids
		row[colRating] = ratings[pick(r, kidsRatings)]
	default:
		row[colRating] = ratings[pick(r, ratingWeights)]
	}
	row[colSource] = sources[pick(r, sourceWeights)]
	a.quality = softCap(clamp(normal(r, 6.6+typeQuality[a.typ], 0.9), 2, 12))

	switch u := r.Float64(); {
	case u < 0.003 && len(earlier) > 0:
		row[colName] = earlier[r.IntN(len(earlier))].row[colName]
	case u < 0.2 && len(*bases) > 0:
		suffixes := sequelSuffixes[a.typ]
		row[colName] = (*bases)[r.IntN(len(*bases))] + oneOf(r, suffixes)
	default:
		row[colName] = romajiTitle(r)
		*bases = append(*bases, row[colName])
	}
	row[colEnglish] = unknown
	if chance(r, 0.4) && !(a.rx && chance(r, 0.8)) {
		row[colEnglish] = englishTitle(r)
	}
	row[colJapanese] = unknown
	if chance(r, 0.97) {
		row[colJapanese] = japaneseTitle(r)
	}
	row[colProducers] = companyList(r, producers, 0.4, 1, 5)
	row[colLicensors] = companyList(r, licensors, 0.7, 1, 2)
	row[colStudios] = companyList(r, studios, 0.35, 1, 2)
	return a
}

// typeQuality shifts the latent quality by type.
var typeQuality = [...]float64{0.25, -0.1, 0.2, 0, -0.3, -0.4, -0.5}

// Company pools, the same for every seed so names stay stable across runs.
var producers, studios, licensors = companyPools()

// companyPools draws the producer, studio and licensor names.
func companyPools() (producers, studios, licensors []string) {
	r := rand.New(rand.NewPCG(1, 2))
	return companyNames(r, 400, ""), companyNames(r, 200, "Studio "), companyNames(r, 30, "")
}

// companyList is Unknown with probability pUnknown, else a list from pool.
func companyList(r *rand.Rand, pool []string, pUnknown float64, lo, hi int) string {
	if chance(r, pUnknown) {
		return unknown
	}
	return listOf(r, pool, lo, hi)
}

// setPopularity gives every title a heavy-tailed (Zipf-like) member count,
// better titles and TV more popular, splits it over the five list statuses
// and ranks Popularity by members.
func (c *catalogue) setPopularity(r *rand.Rand) {
	titles := c.anime[:c.n]
	appeal := make([]float64, len(titles))
	order := make([]int, len(titles))
	for i, a := range titles {
		appeal[i] = 0.9*a.quality + 0.5*typeQuality[a.typ] + normal(r, 0, 1)
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return cmp.Compare(appeal[y], appeal[x]) })
	for rank, i := range order {
		m := 2.6e6 * math.Pow(11/float64(rank+11), 1.15) * logNormal(r, 0, 0.25)
		titles[i].members = int64(m) + int64(between(r, 5, 40))
	}
	slices.SortFunc(order, func(x, y int) int {
		return cmp.Or(cmp.Compare(titles[y].members, titles[x].members), cmp.Compare(x, y))
	})
	for rank, i := range order {
		a := &titles[i]
		a.row[colPopularity] = strconv.Itoa(rank + 1)
		a.row[colMembers] = strconv.FormatInt(a.members, 10)
		shares := [5]float64{0.07, 0, 0.05, 0.08, 0.25} // watching, completed, on-hold, dropped, plan to watch
		var counts [5]int64
		rest := a.members
		for k, s := range shares {
			if k == 1 {
				continue
			}
			counts[k] = min(rest, int64(float64(a.members)*s*logNormal(r, 0, 0.3)))
			rest -= counts[k]
		}
		counts[1] = rest
		for k, col := range []int{colWatching, colCompleted, colOnHold, colDropped, colPlanToWatch} {
			a.row[col] = strconv.FormatInt(counts[k], 10)
		}
		fav := float64(a.members) * 0.004 * math.Exp(1.5*(a.quality-7)) * logNormal(r, 0, 0.5)
		a.row[colFavorites] = strconv.FormatInt(int64(fav), 10)
	}
}

// softCap bends qualities above 8.5 smoothly toward 9.3 instead of clamping
// them: a hard cap gives every top title the same vote histogram, so dozens
// would tie on the maximum Score where the site has one title on top.
func softCap(q float64) float64 {
	const knee, ceiling = 8.5, 9.3
	if q <= knee {
		return q
	}
	return knee + (ceiling-knee)*(1-math.Exp(-(q-knee)/(ceiling-knee)))
}

// minScoreVotes is the number of votes below which a title's Score is Unknown.
const minScoreVotes = 50

// setScores draws each title's vote histogram from its quality with the
// same model the lists use, derives Score from it, and ranks the scored titles.
func (c *catalogue) setScores(r *rand.Rand) {
	titles := c.anime[:c.n]
	score := make([]int64, len(titles)) // hundredths, 0 when Unknown
	for i := range titles {
		a := &titles[i]
		done, _ := strconv.ParseInt(a.row[colCompleted], 10, 64)
		watching, _ := strconv.ParseInt(a.row[colWatching], 10, 64)
		votes := float64(done+watching/3) * (0.5 + 0.3*r.Float64())
		known := !chance(r, 0.4*math.Pow(math.Max(0, 1-float64(a.members)/2e4), 3)+0.02) &&
			!(a.row[colAired] == unknown || a.row[colAired] == "2021 to ?")
		if !known {
			votes = float64(r.IntN(60))
		}
		var sum, total int64
		for k := 1; k <= 10; k++ {
			lo, hi := math.Inf(-1), math.Inf(1)
			if k > 1 {
				lo = float64(k) - 0.5
			}
			if k < 10 {
				hi = float64(k) + 0.5
			}
			p := (1-trollShare)*(normCDF((hi-a.quality)/ratingSD)-normCDF((lo-a.quality)/ratingSD)) + trollShare/10
			n := int64(math.Round(votes * p))
			a.row[colScore10+10-k] = unknown
			if n > 0 {
				a.row[colScore10+10-k] = floatCount(n)
			}
			sum += int64(k) * n
			total += n
		}
		a.row[colScore], a.row[colRanked] = unknown, unknown
		// Like the site, a score needs enough votes: tiny histograms would
		// put many titles on round scores such as 9.00.
		if known && total >= minScoreVotes {
			score[i] = int64(math.Round(100 * float64(sum) / float64(total)))
			a.row[colScore] = hundredths(score[i])
		}
	}
	ranked := make([]int, 0, len(titles))
	for i, a := range titles {
		switch {
		case score[i] == 0:
		case a.rx:
			if chance(r, 0.3) {
				a.row[colRanked] = "0.0"
			}
		default:
			ranked = append(ranked, i)
		}
	}
	slices.SortFunc(ranked, func(x, y int) int { return cmp.Compare(score[y], score[x]) })
	rank := 0
	for k, i := range ranked {
		if k == 0 || score[i] != score[ranked[k-1]] {
			rank = k + 1 // competition ranking: ties share a rank
		}
		titles[i].row[colRanked] = strconv.Itoa(rank) + ".0"
	}
}

// normCDF is the standard normal distribution function.
func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// addPhantoms appends a few dozen ids the lists reference and the catalogue
// lacks: some in the gaps between catalogue ids, some past the last one
// (titles added after the catalogue was scraped).
func (c *catalogue) addPhantoms(r *rand.Rand) {
	m := max(3, min(40, c.n/400))
	last := c.anime[c.n-1].id
	for len(c.phantom) < m {
		id := last + int32(between(r, 1, 3000))
		if len(c.phantom)%2 == 1 {
			for range 20 {
				i := r.IntN(c.n)
				if i+1 < c.n && c.anime[i+1].id-c.anime[i].id >= 3 {
					id = c.anime[i].id + 2 // keep id+1 free for hostile lines
					break
				}
			}
		}
		if c.phantom[id] {
			continue
		}
		c.phantom[id] = true
		typ := pick(r, typeWeights)
		_, mask := genreList(r, false)
		c.anime = append(c.anime, anime{
			id: id, typ: typ, episodes: episodesFor(r, typ, false), mask: mask,
			quality: softCap(clamp(normal(r, 6.5, 0.9), 2, 12)),
		})
	}
}

// freeIDAfter returns an id between catalogue titles i and i+1 that neither
// the catalogue nor the lists use, for hostile anime.csv lines.
func (c *catalogue) freeIDAfter(i int) (int32, bool) {
	id := c.anime[i].id + 1
	if i+1 < c.n && id >= c.anime[i+1].id || c.phantom[id] {
		return 0, false
	}
	return id, true
}
