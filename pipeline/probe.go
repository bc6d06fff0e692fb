package pipeline

import (
	"sort"

	"github.com/animetl/animetl"
)

// maxProbeRepeats bounds the repeated keys a keyProbe collects (and the
// key list a warehouse is handed): past it the repeats are no longer few,
// the probe gives up and the warehouse searches the whole table.
const maxProbeRepeats = 4096

// keyProbe watches the list entries of a file go by, in file order, to tell
// the warehouse which (user_id, anime_id) keys repeat, so that it resolves
// only those instead of searching the whole table. It remembers the anime
// of the current user, which users ended and the repeated keys (at most
// limit), so its memory follows the number of users, not of entries. When
// a user's entries are not contiguous, or more than limit keys repeat, it
// gives up (known turns false) and the warehouse does its full search. The
// probe is a hint: the primary-key check still verifies every published
// table.
type keyProbe struct {
	cur     int32
	started bool
	anime   map[int32]struct{}
	ended   pagedBits
	known   bool // every repeated key seen so far is in repeats
	repeats map[animetl.ListKey]struct{}
	limit   int
}

func newKeyProbe() *keyProbe {
	return &keyProbe{anime: make(map[int32]struct{}, 1024), ended: pagedBits{}, known: true,
		repeats: map[animetl.ListKey]struct{}{}, limit: maxProbeRepeats}
}

// observe looks at the next batch of entries.
func (p *keyProbe) observe(batch []animetl.ListEntry) {
	if !p.known {
		return
	}
	for i := range batch {
		e := &batch[i]
		if !p.started || e.UserID != p.cur {
			if p.started {
				p.ended.set(p.cur)
			}
			if p.ended.has(e.UserID) { // the user came back: not contiguous
				p.giveUp()
				return
			}
			p.cur, p.started = e.UserID, true
			clear(p.anime)
		}
		if _, dup := p.anime[e.AnimeID]; !dup {
			p.anime[e.AnimeID] = struct{}{}
			continue
		}
		k := animetl.ListKey{UserID: e.UserID, AnimeID: e.AnimeID}
		if _, seen := p.repeats[k]; seen {
			continue
		}
		if len(p.repeats) >= p.limit {
			p.giveUp()
			return
		}
		p.repeats[k] = struct{}{}
	}
}

func (p *keyProbe) giveUp() {
	p.known, p.repeats = false, nil
}

// clean says the probe saw every entry and no key twice.
func (p *keyProbe) clean() bool { return p.known && len(p.repeats) == 0 }

// repeated returns the repeated keys, sorted, when the probe knows them
// all (known), else nil.
func (p *keyProbe) repeated() []animetl.ListKey {
	if !p.known {
		return nil
	}
	out := make([]animetl.ListKey, 0, len(p.repeats))
	for k := range p.repeats {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].UserID != out[j].UserID {
			return out[i].UserID < out[j].UserID
		}
		return out[i].AnimeID < out[j].AnimeID
	})
	return out
}

// pagedBits is a set of int32 in 64 Ki-bit pages allocated on first use:
// a few pages cover the user ids of a real list file.
type pagedBits map[uint32]*[1024]uint64

func (b pagedBits) set(v int32) {
	u := uint32(v)
	page := b[u>>16]
	if page == nil {
		page = new([1024]uint64)
		b[u>>16] = page
	}
	page[(u&0xffff)>>6] |= 1 << (u & 63)
}

func (b pagedBits) has(v int32) bool {
	u := uint32(v)
	page := b[u>>16]
	return page != nil && page[(u&0xffff)>>6]&(1<<(u&63)) != 0
}
