package synth

import (
	"cmp"
	"context"
	"slices"
	"strconv"
)

// watchingStatusRows is the real content of watching_status.csv after its
// header, which the real file writes with a space before "description".
var watchingStatusRows = []string{"1, Currently Watching", "2, Completed", "3, On Hold", "4, Dropped", "6, Plan to Watch"}

// writeWatchingStatus writes watching_status.csv exactly as the real file,
// without a final newline (in both layouts).
func writeWatchingStatus(w *recordWriter) error {
	b := w.buf[:0]
	if w.indexed {
		b = append(b, ',')
	}
	b = append(b, "status, description"...)
	for i, row := range watchingStatusRows {
		b = append(b, '\n')
		if w.indexed {
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, ',')
		}
		b = append(b, row...)
	}
	w.buf = b
	w.records = int64(len(watchingStatusRows))
	w.lines = w.records
	return w.raw(b)
}

// hostileAnime is a bad anime.csv line written after catalogue row pos.
type hostileAnime struct {
	pos    int
	fields []string
}

// writeAnime writes anime.csv: the catalogue in id order and, when
// cfg.DefectRate > 0, a few hostile lines among it, counted in d.
func writeAnime(ctx context.Context, w *recordWriter, c *catalogue, cfg Config, d *Defects) error {
	if err := w.header(animeHeader); err != nil {
		return err
	}
	hostile := hostileAnimeLines(c, cfg, d)
	for i, a := range c.anime[:c.n] {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := w.end(appendFields(w.begin(), a.row...)); err != nil {
			return err
		}
		for len(hostile) > 0 && hostile[0].pos == i {
			if err := w.end(appendFields(w.begin(), hostile[0].fields...)); err != nil {
				return err
			}
			hostile = hostile[1:]
		}
	}
	return nil
}

// hostileAnimeLines draws the hostile anime.csv lines: a non-numeric MAL_ID,
// too few fields and a Score of 11.5, each kind between one and five times.
// Lines with an id use one free between their neighbours, so ids still rise.
func hostileAnimeLines(c *catalogue, cfg Config, d *Defects) []hostileAnime {
	if cfg.DefectRate == 0 {
		return nil
	}
	r := newRand(cfg.Seed, streamAnimeDefects)
	perKind := min(5, 1+int(cfg.DefectRate*float64(c.n)/100))
	var out []hostileAnime
	used := map[int]bool{}
	for kind := range 3 {
		for range perKind {
			pos, id, ok := 0, int32(0), false
			for try := 0; try < 100 && !ok; try++ {
				pos = r.IntN(c.n)
				id, ok = c.freeIDAfter(pos)
				ok = ok && !used[pos]
			}
			if !ok {
				continue
			}
			used[pos] = true
			fields := slices.Clone(c.anime[r.IntN(c.n)].row)
			fields[colID] = strconv.Itoa(int(id))
			switch kind {
			case 0:
				fields[colID] = "abc"
				d.NonNumeric++
			case 1:
				fields = fields[:between(r, 3, 20)]
				d.ShortLine++
			case 2:
				fields[colScore] = "11.5"
				d.OutOfRange++
			}
			out = append(out, hostileAnime{pos: pos, fields: fields})
		}
	}
	slices.SortFunc(out, func(a, b hostileAnime) int { return cmp.Compare(a.pos, b.pos) })
	return out
}
