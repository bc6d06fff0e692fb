package synth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Streams of a delta, apart from those of Generate.
const (
	streamDeltaSelect = 0x2545f4914f6cdd1d + iota
	streamDeltaValues
)

// Shape of the lists of new users: young accounts list a few titles a day.
const (
	newListMedian = 12
	newListSigma  = 1.1
)

// deltaGen draws a delta while the base streams past it user by user.
// Changes, deletes and new-entry slots are a selection sample (Knuth's
// Algorithm S) over the base's eligible entries, which gives the exact
// counts asked with every subset equally likely; each picked entry then
// becomes a change, a delete or a slot with the odds of what is left.
type deltaGen struct {
	list      *listGen // draws new entries; its writer is part-0.csv
	cat       *deltaCatalogue
	sel       *rand.Rand // the selection stream; list.r draws the values
	del       *recordWriter
	st        *DeltaStats
	remaining int64 // eligible entries not yet visited
	changes   int64 // changes still to pick
	deletes   int64 // deletes still to pick
	slots     int64 // new entries of existing users still to place
	carry     int64 // slots a user could not take (a full list), for later users
	joiners   int64 // entries of new users
}

// errBaseChanged means the two scans of the base disagree.
var errBaseChanged = errors.New("synth: animelist.csv changed while the delta was drawn")

// pending returns the picks not made yet; after the second scan it is zero
// unless the base changed between the scans.
func (g *deltaGen) pending() int64 { return g.changes + g.deletes + g.slots }

// newDeltaGen returns a generator for plan writing to up and del (nil when
// there are no deletes).
func newDeltaGen(seed uint64, cat *deltaCatalogue, plan deltaPlan, up, del *recordWriter, st *DeltaStats) *deltaGen {
	return &deltaGen{
		list: &listGen{
			r: newRand(seed, streamDeltaValues), c: cat.catalogue, w: up,
			seen: make([]uint32, len(cat.anime)),
		},
		cat: cat, sel: newRand(seed, streamDeltaSelect), del: del, st: st,
		remaining: plan.eligible, changes: plan.changed, deletes: plan.deletes,
		slots: plan.existing, joiners: plan.newUsers,
	}
}

// visitUser picks among one base user's entries, writes the changes and
// deletes, then the new entries the user got, if any.
func (g *deltaGen) visitUser(user int64, entries []baseEntry) error {
	var slots int64
	for _, e := range entries {
		k := g.pending()
		if k == 0 {
			break
		}
		if !e.eligible() {
			continue
		}
		if g.remaining == 0 {
			return errBaseChanged
		}
		picked := g.sel.Int64N(g.remaining) < k
		g.remaining--
		if !picked {
			continue
		}
		var err error
		switch x := g.sel.Int64N(k); {
		case x < g.changes:
			g.changes--
			c := g.change(e)
			err = writeInts(g.list.w, -1, user, int64(e.anime), int64(c.rating), int64(c.status), int64(c.episodes))
			g.st.Changed++
		case x < g.changes+g.deletes:
			g.deletes--
			err = writeInts(g.del, -1, user, int64(e.anime))
		default:
			g.slots--
			slots++
		}
		if err != nil {
			return fmt.Errorf("synth: write delta: %w", err)
		}
	}
	if slots == 0 {
		return nil
	}
	if err := g.addToList(user, entries, slots+g.carry); err != nil {
		return fmt.Errorf("synth: write delta: %w", err)
	}
	return nil
}

// addToList writes n new entries for an existing user, drawn with a fresh
// taste among the titles the user's base list lacks; what does not fit
// (the list holds nearly the whole catalogue) is carried to later users.
func (g *deltaGen) addToList(user int64, entries []baseEntry, n int64) error {
	l := g.list
	g.newTaste(user)
	have := 0
	for _, e := range entries {
		if id := e.anime; id < int32(len(g.cat.byID)) && g.cat.byID[id] > 0 {
			if i := g.cat.byID[id] - 1; l.seen[i] != l.stamp {
				l.seen[i] = l.stamp
				have++
			}
		}
	}
	take := min(n, int64(l.c.n-have))
	g.carry = n - take
	for range take {
		if err := l.write(l.draw()); err != nil {
			return err
		}
	}
	g.st.New += take
	return nil
}

// newTaste starts a user in the list model: a fresh taste and an empty set
// of titles seen.
func (g *deltaGen) newTaste(user int64) {
	l := g.list
	l.newUser()
	l.user = user
	if g.cat.noGenres {
		l.taste.byGenre = 0 // no genre tables to draw from
	}
}

// newUsers writes the lists of the users that joined, from user id first
// up: what the plan gave them and the slots existing users could not take.
// Lists are short, as young accounts' are; ids leave gaps like the base's.
func (g *deltaGen) newUsers(ctx context.Context, first int64) error {
	l := g.list
	budget := g.joiners + g.slots + g.carry
	maxLength := int64(max(1, l.c.n/2))
	user := first
	var row int64
	for budget > 0 {
		g.newTaste(user)
		length := min(budget, maxLength, 1+int64(logNormal(l.r, math.Log(newListMedian), newListSigma)))
		for range length {
			if row&ctxCheckMask == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			row++
			if err := l.write(l.draw()); err != nil {
				return err
			}
		}
		budget -= length
		g.st.New += length
		g.st.NewUsers++
		user++
		if chance(l.r, 0.25) {
			user += 1 + int64(l.r.ExpFloat64()*4)
		}
	}
	return nil
}
