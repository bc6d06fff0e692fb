package pipeline

import "github.com/animetl/animetl"

// keyProbe watches the list entries of a file go by, in file order, to tell
// the warehouse whether it can skip looking for repeated (user_id, anime_id)
// keys. It remembers only the anime of the current user and which users
// ended, so its memory follows the number of users, not of entries. When a
// user's entries are not contiguous, or a key repeats, it gives up and the
// warehouse does its full search. The probe is a hint: the primary-key
// check still verifies every published table.
type keyProbe struct {
	cur     int32
	started bool
	anime   map[int32]struct{}
	ended   pagedBits
	clean   bool
}

func newKeyProbe() *keyProbe {
	return &keyProbe{anime: make(map[int32]struct{}, 1024), ended: pagedBits{}, clean: true}
}

// observe looks at the next batch of entries.
func (p *keyProbe) observe(batch []animetl.ListEntry) {
	if !p.clean {
		return
	}
	for i := range batch {
		e := &batch[i]
		if !p.started || e.UserID != p.cur {
			if p.started {
				p.ended.set(p.cur)
			}
			if p.ended.has(e.UserID) { // the user came back: not contiguous
				p.clean = false
				return
			}
			p.cur, p.started = e.UserID, true
			clear(p.anime)
		}
		if _, dup := p.anime[e.AnimeID]; dup {
			p.clean = false
			return
		}
		p.anime[e.AnimeID] = struct{}{}
	}
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
