package recommend

import (
	"encoding/binary"
	"slices"
)

// The evaluation split: per user with at least MinSplitEntries entries, the
// TestShare of them (at least one) with the smallest seeded hash of (user,
// anime) is test, the rest train. Users with fewer entries are all train.
// The split depends only on the seed and the ids, so the export's `split`
// column, `animetl evaluate` and any outside tool that reads the export
// agree on it, run after run.
const (
	MinSplitEntries = 5
	TestShare       = 0.2
	DefaultSeed     = 42
)

// splitHash is a stable hash (FNV-1a over the seed and the two ids, then a
// 64-bit finalizer): hash/maphash is seeded per process, so it would not do.
func splitHash(seed uint64, user, anime int32) uint64 {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:], seed)
	binary.LittleEndian.PutUint32(b[8:], uint32(user))
	binary.LittleEndian.PutUint32(b[12:], uint32(anime))
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// SplitUser marks which of one user's anime are test: test[i] reports
// anime[i]. test must have len(anime); scratch is reused between calls
// (pass nil at first) and returned.
func SplitUser(seed uint64, user int32, anime []int32, test []bool, scratch []uint64) []uint64 {
	clear(test)
	n := len(anime)
	if n < MinSplitEntries {
		return scratch
	}
	k := max(1, int(float64(n)*TestShare))
	scratch = scratch[:0]
	for _, a := range anime {
		scratch = append(scratch, splitHash(seed, user, a))
	}
	sorted := slices.Clone(scratch)
	slices.Sort(sorted)
	cut := sorted[k-1]
	for i, h := range scratch {
		if h <= cut && k > 0 {
			test[i] = true
			k--
		}
	}
	return scratch
}

// Split divides d into train and test matrices with the same Users and
// Items (a user with no test entries has an empty test row).
func Split(d *Data, seed uint64) (train, test *Data) {
	train = &Data{Users: d.Users, Items: d.Items, Ptr: make([]int64, 1, len(d.Users)+1)}
	test = &Data{Users: d.Users, Items: d.Items, Ptr: make([]int64, 1, len(d.Users)+1)}
	var flags []bool
	var scratch []uint64
	ids := make([]int32, 0, 64)
	for u := range d.Users {
		cols, ws := d.Row(u)
		ids = ids[:0]
		for _, c := range cols {
			ids = append(ids, d.Items[c])
		}
		flags = slices.Grow(flags[:0], len(cols))[:len(cols)]
		scratch = SplitUser(seed, d.Users[u], ids, flags, scratch)
		for i, c := range cols {
			if flags[i] {
				test.Cols = append(test.Cols, c)
				test.Weights = append(test.Weights, ws[i])
			} else {
				train.Cols = append(train.Cols, c)
				train.Weights = append(train.Weights, ws[i])
			}
		}
		train.Ptr = append(train.Ptr, int64(len(train.Cols)))
		test.Ptr = append(test.Ptr, int64(len(test.Cols)))
	}
	return train, test
}
