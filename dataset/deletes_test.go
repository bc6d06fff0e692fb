package dataset

import (
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func TestDecodeListDeletes(t *testing.T) {
	in := ",user_id,anime_id\r\n0,5,20\r\n1,5,x\r\n\r\n2,5,20\r\n3,6,21\r\n4,7\r\n"
	var got []animetl.ListDelete
	var rejects []*animetl.RowError
	res, err := DecodeListDeletes(strings.NewReader(in), "animelist/date=2026-11-28/deletes/part-0.csv",
		func(d animetl.ListDelete) error { got = append(got, d); return nil },
		func(e *animetl.RowError) error { rejects = append(rejects, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 6 || !res.Indexed {
		t.Errorf("result %+v, want 6 rows of the indexed layout", res)
	}
	if len(got) != 2 || got[0] != (animetl.ListDelete{UserID: 5, AnimeID: 20, Line: 2}) || got[1].UserID != 6 {
		t.Errorf("deletes %+v", got)
	}
	wantKinds := map[int64]animetl.RejectKind{3: animetl.KindReject, 4: animetl.KindReject, 5: animetl.KindDuplicate, 7: animetl.KindReject}
	if len(rejects) != len(wantKinds) {
		t.Fatalf("rejects %+v", rejects)
	}
	for _, r := range rejects {
		if wantKinds[r.Line] != r.Kind {
			t.Errorf("line %d: kind %s (%s), want %s", r.Line, r.Kind, r.Reason, wantKinds[r.Line])
		}
	}
	if _, err := DecodeListDeletes(strings.NewReader("user,anime\n1,2\n"), "d.csv", func(animetl.ListDelete) error { return nil },
		func(*animetl.RowError) error { return nil }); err == nil {
		t.Error("a header without user_id and anime_id was accepted")
	}
}

func FuzzDecodeListDeletes(f *testing.F) {
	f.Add([]byte("user_id,anime_id\n1,2\n1,2\nx,3\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var n int64
		res, err := DecodeListDeletes(strings.NewReader(string(in)), "d.csv",
			func(animetl.ListDelete) error { n++; return nil }, func(*animetl.RowError) error { n++; return nil })
		if err == nil && res.Rows != n {
			t.Fatalf("rows %d, emitted+rejected %d", res.Rows, n)
		}
	})
}
