package synth

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
)

// animeListHeader is the header of animelist.csv.
const animeListHeader = "user_id,anime_id,rating,watching_status,watched_episodes"

// Watching statuses; 0 and 5 are the undocumented codes of the team's copy.
const (
	statusWatching    = 1
	statusCompleted   = 2
	statusOnHold      = 3
	statusDropped     = 4
	statusPlanToWatch = 6
)

// Shape of the user lists.
const (
	listMedianLength = 100   // median list length; the mean is about 2.9 times that
	listSigma        = 1.45  // lognormal spread of list lengths
	missingShare     = 0.001 // share of entries naming an id the catalogue lacks
	undocumentedRate = 0.0005
	ctxCheckMask     = 1<<16 - 1 // check ctx every 65,536 rows
)

// entry is one list line before formatting; anime indexes catalogue.anime.
type entry struct {
	anime    int32
	rating   int8
	status   int8
	episodes int32
}

// taste is one user's latent preferences.
type taste struct {
	bias      float64    // added to every rating
	fav       [3]int     // favourite genres
	affinity  [3]float64 // rating bonus for each favourite
	nfav      int
	byGenre   float64 // chance an entry is drawn from a favourite genre
	planShare float64 // chance an entry is plan to watch
	unrated   float64 // chance a seen entry has no rating
}

// listGen writes the user lists; its state is reused user after user so the
// hot path does not allocate.
type listGen struct {
	r       *rand.Rand
	c       *catalogue
	w       *recordWriter
	st      *Stats
	user    int64
	taste   taste
	stamp   uint32
	seen    []uint32 // seen[i] == stamp: anime i is on the current user's list
	entries []entry  // the current user's clean entries, for duplicates
	missing []bool   // phantom ids already counted in Stats
}

// writeLists writes animelist.csv: cfg.Rows lines grouped by ascending user,
// a cfg.DefectRate share of them hostile, counting everything in st.
func writeLists(ctx context.Context, w *recordWriter, c *catalogue, cfg Config, st *Stats) error {
	if err := w.header(animeListHeader); err != nil {
		return err
	}
	g := &listGen{
		r: newRand(cfg.Seed, streamLists), c: c, w: w, st: st,
		seen:    make([]uint32, len(c.anime)),
		missing: make([]bool, len(c.anime)-c.n),
	}
	maxLength := int64(max(1, c.n/2))
	var row int64
	for row < cfg.Rows {
		g.newUser()
		length := min(cfg.Rows-row, maxLength, 1+int64(logNormal(g.r, math.Log(listMedianLength), listSigma)))
		for range length {
			if row&ctxCheckMask == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			row++
			var err error
			if cfg.DefectRate > 0 && g.r.Float64() < cfg.DefectRate {
				err = g.hostile()
			} else {
				e := g.draw()
				g.entries = append(g.entries, e)
				g.count(e)
				err = g.write(e)
			}
			if err != nil {
				return err
			}
		}
		if len(g.entries) > 0 {
			st.Users++
		}
		g.user++
		if chance(g.r, 0.25) {
			g.user += 1 + int64(g.r.ExpFloat64()*4)
		}
	}
	return nil
}

// newUser resets the per-user state and draws the next user's taste.
func (g *listGen) newUser() {
	r := g.r
	g.stamp++
	g.entries = g.entries[:0]
	t := taste{
		bias:      normal(r, -0.15, 0.7),
		nfav:      between(r, 1, 3),
		byGenre:   0.2 + 0.4*r.Float64(),
		planShare: clamp(0.2*logNormal(r, -0.18, 0.6), 0, 0.8),
		unrated:   0.08 * r.Float64(),
	}
	if chance(r, 0.4) {
		t.unrated = 0.15 + 0.45*r.Float64()
	}
	for k := range t.nfav {
		t.fav[k] = pick(r, g.c.genreShare[:])
		t.affinity[k] = 0.3 + 1.2*r.Float64()
	}
	g.taste = t
}

// pickAnime draws an anime not yet on the user's list: now and then an id
// missing from the catalogue, else by popularity, often within a favourite
// genre; after a few collisions it probes from a random title instead.
func (g *listGen) pickAnime() int32 {
	r, c := g.r, g.c
	if len(g.missing) > 0 && r.Float64() < missingShare {
		if i := c.n + r.IntN(len(g.missing)); g.seen[i] != g.stamp {
			g.seen[i] = g.stamp
			return int32(i)
		}
	}
	for range 8 {
		var i int
		if r.Float64() < g.taste.byGenre {
			t := &c.byGenre[g.taste.fav[r.IntN(g.taste.nfav)]]
			i = int(t.idx[t.table.sample(r)])
		} else {
			i = c.popular.sample(r)
		}
		if g.seen[i] != g.stamp {
			g.seen[i] = g.stamp
			return int32(i)
		}
	}
	i := r.IntN(c.n)
	for g.seen[i] == g.stamp {
		i = (i + 1) % c.n
	}
	g.seen[i] = g.stamp
	return int32(i)
}

// draw makes one clean entry for the current user: a new anime, a status, a
// rating from quality, bias, genre affinity and noise, and watched episodes.
func (g *listGen) draw() entry {
	r, t := g.r, &g.taste
	e := entry{anime: g.pickAnime()}
	a := &g.c.anime[e.anime]
	latent := a.quality + t.bias + 1.1*r.NormFloat64()
	for k := range t.nfav {
		if a.mask&(1<<t.fav[k]) != 0 {
			latent += t.affinity[k]
		}
	}
	switch u := r.Float64(); {
	case u < undocumentedRate:
		e.status = int8(5 * r.IntN(2))
	case u < undocumentedRate+t.planShare:
		e.status = statusPlanToWatch
	default:
		drop := 0.04
		if latent < 5 {
			drop = 0.3
		}
		switch v := r.Float64(); {
		case v < 0.07:
			e.status = statusWatching
		case v < 0.115:
			e.status = statusOnHold
		case v < 0.115+drop:
			e.status = statusDropped
		default:
			e.status = statusCompleted
		}
	}
	if e.status != statusPlanToWatch && r.Float64() >= t.unrated {
		e.rating = int8(clamp(math.Round(latent), 1, 10))
	}
	e.episodes = g.episodes(a.episodes, e.status)
	return e
}

// episodes draws watched_episodes for a status; total 0 means the catalogue
// does not know the count. A few entries exceed the catalogue's count.
func (g *listGen) episodes(total int32, status int8) int32 {
	r := g.r
	over := r.Float64() < 0.002 && total > 0
	switch {
	case over:
		return total + 1 + int32(r.IntN(int(total)))
	case status == statusCompleted && total > 0:
		return total
	case status == statusCompleted:
		return int32(between(r, 1, 1000))
	case status == statusPlanToWatch:
		if r.Float64() < 0.97 {
			return 0
		}
		fallthrough
	case total > 1:
		return int32(r.IntN(int(max(total, 2))))
	case total == 1:
		return 0
	}
	return int32(between(r, 1, 500))
}

// count adds a clean entry to the stats.
func (g *listGen) count(e entry) {
	if e.status == 0 || e.status == 5 {
		g.st.UndocumentedStatus++
	}
	if j := int(e.anime) - g.c.n; j >= 0 {
		g.st.MissingAnimeRows++
		if !g.missing[j] {
			g.missing[j] = true
			g.st.MissingAnimeIDs++
		}
	}
	g.st.ListEntries++
}

// write formats one entry as a line of the current user.
func (g *listGen) write(e entry) error {
	v := [5]int64{g.user, int64(g.c.anime[e.anime].id), int64(e.rating), int64(e.status), int64(e.episodes)}
	return writeInts(g.w, -1, v[:]...)
}

// writeInts writes vals as one line of w; the field at index bad, if any
// (-1 for none), is written as "abc" instead.
func writeInts(w *recordWriter, bad int, vals ...int64) error {
	b := w.begin()
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		if i == bad {
			b = append(b, "abc"...)
		} else {
			b = strconv.AppendInt(b, v, 10)
		}
	}
	return w.end(b)
}
