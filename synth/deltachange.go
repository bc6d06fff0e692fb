package synth

import "math"

// unknownQuality is the latent quality assumed for a title without a Score
// or absent from the catalogue.
const unknownQuality = 6.3

// change returns a plausible next state of base entry e that differs from it
// in rating, status or watched episodes: plan to watch starts (watching) or
// is finished at once (completed), watching and on-hold titles progress,
// finish or are dropped, dropped ones are resumed or re-rated, completed ones
// re-rated, and the undocumented codes 0 and 5 become completed. A change
// never ends in plan to watch, so its rating may be anything.
func (g *deltaGen) change(e baseEntry) baseEntry {
	r := g.list.r
	total, quality := int32(0), unknownQuality
	if a := g.cat.title(e.anime); a != nil {
		total, quality = a.episodes, a.quality
	}
	n := e
	switch e.status {
	case statusPlanToWatch:
		n.rating = 0
		if chance(r, 0.6) {
			n.status = statusWatching
			n.episodes = max(e.episodes, g.firstEpisodes(total))
			if chance(r, 0.15) {
				n.rating = g.rate(quality)
			}
		} else {
			n = g.complete(n, total, quality)
		}
	case statusWatching, statusOnHold:
		switch u := r.Float64(); {
		case u < 0.35:
			n = g.complete(n, total, quality)
		case u < 0.5:
			n.status = statusDropped
			if chance(r, 0.5) {
				n.episodes = addEpisodes(n.episodes, between(r, 1, 3))
			}
		default:
			n.status = statusWatching
			n.episodes = addEpisodes(n.episodes, between(r, 1, 6))
			if total > 0 && n.episodes >= total {
				n = g.complete(n, total, quality)
			}
		}
	case statusDropped:
		if chance(r, 0.4) {
			n.status = statusWatching
			n.episodes = addEpisodes(n.episodes, between(r, 1, 3))
		} else {
			n.rating = g.rerate(n.rating, quality)
		}
	case statusCompleted:
		n.rating = g.rerate(n.rating, quality)
	default: // the undocumented codes 0 and 5
		n = g.complete(n, total, quality)
	}
	if n == e { // cannot happen with the cases above; keep the contract anyway
		n.status = statusCompleted
		n.rating = g.rerate(n.rating, quality)
	}
	return n
}

// complete marks e completed: every episode when the catalogue knows the
// count, and a rating given (or sometimes revised) on finishing.
func (g *deltaGen) complete(e baseEntry, total int32, quality float64) baseEntry {
	r := g.list.r
	e.status = statusCompleted
	if total > 0 {
		e.episodes = total
	} else {
		e.episodes = addEpisodes(e.episodes, between(r, 1, 12))
	}
	switch {
	case e.rating == 0 && chance(r, 0.8):
		e.rating = g.rate(quality)
	case e.rating > 0 && chance(r, 0.3):
		e.rating = g.rerate(e.rating, quality)
	}
	return e
}

// firstEpisodes draws the episodes watched when a title is started.
func (g *deltaGen) firstEpisodes(total int32) int32 {
	r := g.list.r
	switch {
	case total > 1:
		return int32(between(r, 1, int(min(total-1, 12))))
	case total == 1:
		return 0
	}
	return int32(between(r, 1, 12))
}

// rate draws a first rating from the title's quality, as the lists do.
func (g *deltaGen) rate(quality float64) int8 {
	return int8(clamp(math.Round(normal(g.list.r, quality, 1.2)), 1, 10))
}

// rerate moves a rating by 1 or 2 either way within 1-10; an unrated entry
// gets a first rating instead.
func (g *deltaGen) rerate(rating int8, quality float64) int8 {
	if rating == 0 {
		return g.rate(quality)
	}
	r := g.list.r
	d := int8(between(r, 1, 2))
	if chance(r, 0.5) {
		d = -d
	}
	if x := rating + d; x >= 1 && x <= 10 {
		return x
	}
	return rating - d
}

// addEpisodes adds d watched episodes without overflowing the column.
func addEpisodes(n int32, d int) int32 {
	return int32(min(int64(n)+int64(d), math.MaxInt32))
}
