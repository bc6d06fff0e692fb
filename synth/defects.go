package synth

// Hostile line kinds of animelist.csv and their shares of the hostile lines.
const (
	defectExactDuplicate = iota
	defectConflictingDuplicate
	defectBlank
	defectShort
	defectLong
	defectNonNumeric
	defectOutOfRange
	defectNegativeID
)

// defectWeights are the shares of the kinds, in the order above.
var defectWeights = [...]float64{0.20, 0.15, 0.10, 0.12, 0.10, 0.12, 0.11, 0.10}

// defectCumulative holds the running sums of defectWeights.
var defectCumulative = func() (c [len(defectWeights)]float64) {
	var sum float64
	for i, w := range defectWeights {
		sum += w
		c[i] = sum
	}
	return c
}()

// hostile writes one hostile line for the current user and counts it. Lines
// other than duplicates name an anime new to the user's list, so no clean
// line later repeats their (user, anime) pair; duplicates copy a clean line
// of the same user, and when the user has none yet another kind is written.
func (g *listGen) hostile() error {
	r, d := g.r, &g.st.ListDefects
	x := r.Float64() * defectCumulative[len(defectCumulative)-1]
	kind := 0
	for kind < len(defectCumulative)-1 && x >= defectCumulative[kind] {
		kind++
	}
	if kind <= defectConflictingDuplicate && len(g.entries) == 0 {
		kind = defectNonNumeric
	}
	if kind == defectBlank {
		d.BlankLine++
		return g.w.blank()
	}
	var e entry
	if kind <= defectConflictingDuplicate {
		e = g.entries[r.IntN(len(g.entries))]
	} else {
		e = g.draw()
	}
	v := [6]int64{g.user, int64(g.c.anime[e.anime].id), int64(e.rating), int64(e.status), int64(e.episodes), int64(r.IntN(10))}
	vals, bad := v[:5], -1
	switch kind {
	case defectExactDuplicate:
		d.ExactDuplicate++
	case defectConflictingDuplicate:
		d.ConflictingDuplicate++
		rating := int64(between(r, 1, 10))
		if e.rating > 0 {
			rating = int64(between(r, 1, 9))
			if rating >= int64(e.rating) {
				rating++
			}
		}
		vals[2] = rating
		if e.status == statusPlanToWatch {
			vals[3] = statusCompleted
		}
	case defectShort:
		d.ShortLine++
		vals = v[:between(r, 2, 4)]
	case defectLong:
		d.LongLine++
		vals = v[:6]
	case defectNonNumeric:
		d.NonNumeric++
		bad = r.IntN(5)
	case defectOutOfRange:
		d.OutOfRange++
		vals[2] = -1
		if r.IntN(2) == 0 {
			vals[2] = 11
		}
	case defectNegativeID:
		d.NegativeID++
		if g.user > 0 && r.IntN(2) == 0 {
			vals[0] = -vals[0]
		} else {
			vals[1] = -vals[1]
		}
	}
	return writeInts(g.w, bad, vals...)
}
