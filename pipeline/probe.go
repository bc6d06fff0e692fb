package pipeline

import (
	"slices"
	"sort"

	"github.com/animetl/animetl"
)

// maxProbeRepeats bounds the repeated keys a keyProbe collects (and the
// key list a warehouse is handed), and the returning users: past it they
// are no longer few, the probe gives up and the warehouse searches the
// whole table.
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
	anime   userAnime // where the current user's first entry of each anime is
	// The current user's kept entries: prior holds those of earlier
	// batches (priorLen of them), the batch being sifted those from its
	// index start on. A position in anime counts from the user's first.
	prior    [][]animetl.ListEntry
	priorLen int
	start    int
	ended    pagedBits
	known    bool // every repeated key seen so far is in repeats, or is a returning user's
	repeats  map[animetl.ListKey]struct{}
	// returning holds the users seen in more than one block; back says the
	// current block is one of theirs (the probe keeps it whole: the
	// warehouse searches those users' rows).
	returning map[int32]struct{}
	back      bool
	limit     int
}

func newKeyProbe() *keyProbe {
	return &keyProbe{ended: pagedBits{}, known: true,
		repeats: map[animetl.ListKey]struct{}{}, returning: map[int32]struct{}{}, limit: maxProbeRepeats}
}

// observe looks at the next batch of entries.
func (p *keyProbe) observe(batch []animetl.ListEntry) {
	_, _ = p.sift(batch, "", nil)
}

// sift looks at the next batch of entries of file and, when drop is not
// nil, takes the later lines of a key out of it as it goes: within a file
// the first line of a key wins, so a later one of the same user's block is
// a duplicate (identical) or a conflicting repeat, and drop gets the reject
// the warehouse's repeats SQL (schema/sql/repeats.sql) would have recorded
// for it, word for word. The warehouse then has nothing of the file left
// to resolve, and the base's counts (listCounter) are of the winners. It
// returns the batch without the dropped entries (in place). Keys it
// cannot see repeat (a user's entries not contiguous) are left to the
// warehouse: the probe lists the users whose blocks are split (returning),
// keeps their later blocks whole, and the warehouse searches only their
// rows. A user's first block is the earliest of theirs, so a line dropped
// from it names the user's first line of the key, as the warehouse would.
func (p *keyProbe) sift(batch []animetl.ListEntry, file string, drop func(*animetl.RowError) error) ([]animetl.ListEntry, error) {
	if !p.known {
		return batch, nil
	}
	kept := batch[:0]
	p.start = 0
	defer p.keepTail(&kept)
	for i := range batch {
		e := &batch[i]
		if !p.started || e.UserID != p.cur {
			if p.started {
				p.ended.set(p.cur)
			}
			p.back = p.ended.has(e.UserID) // the user came back: not contiguous
			if p.back {
				if _, seen := p.returning[e.UserID]; !seen && len(p.returning) >= p.limit {
					p.giveUp()
					return append(kept, batch[i:]...), nil
				}
				p.returning[e.UserID] = struct{}{}
			}
			p.cur, p.started = e.UserID, true
			p.anime.reset()
			p.prior, p.priorLen, p.start = p.prior[:0], 0, len(kept)
		}
		if p.back {
			kept = appendEntry(kept, batch, i)
			continue
		}
		pos, dup := p.anime.get(e.AnimeID)
		if !dup {
			p.anime.put(e.AnimeID, uint32(p.priorLen+len(kept)-p.start))
			kept = appendEntry(kept, batch, i)
			continue
		}
		if drop != nil {
			first := p.entryAt(kept, pos)
			same := e.Status == first.Status && e.Rating == first.Rating && e.Episodes == first.Episodes
			r := animetl.ListRepeat(file, e.Line, first.Line, int64(e.UserID), int64(e.AnimeID),
				int64(e.Rating), int64(e.Status), int64(e.Episodes), same)
			if err := drop(&r); err != nil {
				return nil, err
			}
			continue
		}
		kept = appendEntry(kept, batch, i)
		k := animetl.ListKey{UserID: e.UserID, AnimeID: e.AnimeID}
		if _, seen := p.repeats[k]; seen {
			continue
		}
		if len(p.repeats) >= p.limit {
			p.giveUp()
			return append(kept, batch[i+1:]...), nil
		}
		p.repeats[k] = struct{}{}
	}
	return kept, nil
}

// appendEntry appends batch[i] to kept, a prefix of batch, copying it only
// when an earlier entry was dropped.
func appendEntry(kept, batch []animetl.ListEntry, i int) []animetl.ListEntry {
	if len(kept) == i {
		return batch[:i+1]
	}
	return append(kept, batch[i])
}

// entryAt returns the current user's kept entry at pos.
func (p *keyProbe) entryAt(kept []animetl.ListEntry, pos uint32) animetl.ListEntry {
	i := int(pos)
	for _, s := range p.prior {
		if i < len(s) {
			return s[i]
		}
		i -= len(s)
	}
	return kept[p.start+i]
}

// keepTail remembers the current user's entries of the batch just sifted,
// which the user's next batch may repeat. The batch is not written to
// after sift returns it (it goes to the warehouse), so a slice of it is
// enough.
func (p *keyProbe) keepTail(kept *[]animetl.ListEntry) {
	if !p.known || !p.started || p.back {
		return
	}
	if tail := (*kept)[p.start:]; len(tail) > 0 {
		p.prior = append(p.prior, tail)
		p.priorLen += len(tail)
	}
}

func (p *keyProbe) giveUp() {
	p.known, p.repeats, p.returning = false, nil, nil
}

// clean says the probe saw every entry, no key twice and every user in one
// block.
func (p *keyProbe) clean() bool { return p.known && len(p.repeats) == 0 && len(p.returning) == 0 }

// returningUsers returns the users seen in more than one block, sorted,
// when the probe knows them all (known), else nil.
func (p *keyProbe) returningUsers() []int32 {
	if !p.known {
		return nil
	}
	out := make([]int32, 0, len(p.returning))
	for u := range p.returning {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

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

// denseAnimeIDs bounds the anime ids userAnime keeps in its slots (8 MiB
// of them at most); a catalogue's ids are far below it.
const denseAnimeIDs = 1 << 18

// userAnime holds where the current user's first entry of each anime is
// (its position among the user's kept entries), and forgets them all in
// constant time when the user changes: a slot per anime id stamped with the
// user's generation, a map for ids past denseAnimeIDs. (A map cleared per
// user cost 0.2 s of 8M rows: clearing costs a map's capacity, which the
// longest list grows. Slots of 8 bytes, not the entry itself, keep the
// catalogue's slots within a core's cache.)
type userAnime struct {
	gen    uint32
	dense  []animeSlot
	sparse map[int32]uint32
}

type animeSlot struct {
	gen uint32
	pos uint32
}

// reset forgets every entry.
func (u *userAnime) reset() {
	u.gen++
	if u.gen == 0 { // wrapped after 2^32 users: stale stamps could match
		clear(u.dense)
		u.gen = 1
	}
	if len(u.sparse) > 0 {
		u.sparse = nil
	}
}

// get returns the position of the user's first entry of anime, if any.
func (u *userAnime) get(anime int32) (uint32, bool) {
	if anime >= 0 && int(anime) < len(u.dense) {
		s := u.dense[anime]
		return s.pos, u.gen != 0 && s.gen == u.gen
	}
	pos, ok := u.sparse[anime]
	return pos, ok
}

// put records pos as the position of the user's first entry of anime.
func (u *userAnime) put(anime int32, pos uint32) {
	if u.gen == 0 {
		u.gen = 1
	}
	if anime >= 0 && anime < denseAnimeIDs {
		if int(anime) >= len(u.dense) {
			grown := make([]animeSlot, min(max(2*len(u.dense), int(anime)+1, 1024), denseAnimeIDs))
			copy(grown, u.dense)
			u.dense = grown
		}
		u.dense[anime] = animeSlot{gen: u.gen, pos: pos}
		return
	}
	if u.sparse == nil {
		u.sparse = map[int32]uint32{}
	}
	u.sparse[anime] = pos
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
