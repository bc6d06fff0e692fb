package dataset

import (
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func TestRepeatsCheck(t *testing.T) {
	r := NewRepeats("f.csv", "id", func(a, b string) bool { return a == b })
	if e := r.Check(1, "a", 2, []byte("1,a")); e != nil {
		t.Fatalf("first occurrence: %v", e)
	}
	if e := r.Check(2, "a", 3, []byte("2,a")); e != nil {
		t.Fatalf("other key: %v", e)
	}
	dup := r.Check(1, "a", 4, []byte("1,a"))
	if dup == nil || dup.Kind != animetl.KindDuplicate || dup.Line != 4 || dup.File != "f.csv" || dup.Column != "id" ||
		dup.Raw != "1,a" || dup.Reason != "duplicate of line 2 (id 1)" {
		t.Errorf("duplicate: %+v", dup)
	}
	conflict := r.Check(1, "b", 5, []byte("1,b"))
	if conflict == nil || conflict.Kind != animetl.KindReject || conflict.Line != 5 ||
		conflict.Reason != "conflicting repeat of id 1 first seen at line 2" {
		t.Errorf("conflict: %+v", conflict)
	}
	// The first occurrence stays the reference after a conflict.
	if e := r.Check(1, "a", 6, []byte("1,a")); e == nil || e.Kind != animetl.KindDuplicate {
		t.Errorf("repeat of the first after a conflict: %+v", e)
	}
}

func TestDecodeAnimeRepeats(t *testing.T) {
	row := animeLine(-1, nil)
	tests := []struct {
		name    string
		lines   []string
		emitted []int64 // lines of the emitted rows
		kinds   map[int64]animetl.RejectKind
	}{
		{"identical repeat", []string{row, row}, []int64{2}, map[int64]animetl.RejectKind{3: animetl.KindDuplicate}},
		{"conflicting repeat", []string{row, animeLine(-1, map[string]string{"Score": "8.77"})}, []int64{2},
			map[int64]animetl.RejectKind{3: animetl.KindReject}},
		{"repeat differing in list order conflicts", []string{row, animeLine(-1, map[string]string{"Studios": "Sunrise, Bones"})}, []int64{2},
			map[int64]animetl.RejectKind{3: animetl.KindReject}},
		{"repeat differing in padding only", []string{row, strings.Replace(row, "Cowboy Bebop", " Cowboy Bebop ", 1)}, []int64{2},
			map[int64]animetl.RejectKind{3: animetl.KindDuplicate}},
		{"repeat with Unknown vs value conflicts", []string{row, animeLine(-1, map[string]string{"Episodes": "Unknown"})}, []int64{2},
			map[int64]animetl.RejectKind{3: animetl.KindReject}},
		{"same name, other id", []string{row, animeLine(-1, map[string]string{"MAL_ID": "2"})}, []int64{2, 3}, nil},
		{"first occurrence rejected", []string{animeLine(-1, map[string]string{"Score": "x"}), row, row}, []int64{3},
			map[int64]animetl.RejectKind{2: animetl.KindReject, 4: animetl.KindDuplicate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDecode(t, DecodeAnime, animetl.FileAnime, animeHeader(false)+"\n"+strings.Join(tt.lines, "\n")+"\n")
			var emitted []int64
			for _, a := range d.Rows {
				emitted = append(emitted, a.Line)
			}
			if !equalInts(emitted, tt.emitted) {
				t.Errorf("emitted lines %v, want %v", emitted, tt.emitted)
			}
			if len(d.Rejects) != len(tt.kinds) {
				t.Fatalf("rejects %+v, want %v", d.Rejects, tt.kinds)
			}
			for _, r := range d.Rejects {
				if r.Kind != tt.kinds[r.Line] {
					t.Errorf("line %d: kind %q, want %q (%s)", r.Line, r.Kind, tt.kinds[r.Line], r.Reason)
				}
			}
		})
	}
}
