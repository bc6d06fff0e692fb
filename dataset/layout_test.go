package dataset

import (
	"errors"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func TestReadListLayout(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		kind    animetl.Kind
		plain   bool
		fields  int
		rating  int
		ignored []string
		err     error
	}{
		{"public", "user_id,anime_id,rating,watching_status,watched_episodes\n1,2,3,4,5\n", animetl.KindAnimeList, true, 5, 2, nil, nil},
		{"indexed with BOM and CRLF", "\xEF\xBB\xBF,Watched_Episodes,rating,anime_id,user_id,watching_status,extra\r\n", animetl.KindAnimeList, true, 7, 2, []string{"extra"}, nil},
		{"deletes", "anime_id,user_id\n", animetl.KindListDelete, true, 2, -1, nil, nil},
		{"CR only", "user_id,anime_id,rating,watching_status,watched_episodes\r1,2,3,4,5\r", animetl.KindAnimeList, false, 0, 0, nil, nil},
		{"UTF-16", "\xFF\xFEu\x00s\x00", animetl.KindAnimeList, false, 0, 0, nil, nil},
		{"empty", "", animetl.KindAnimeList, false, 0, 0, nil, animetl.ErrHeader},
		{"missing column", "user_id,anime_id\n", animetl.KindAnimeList, false, 0, 0, nil, animetl.ErrHeader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lay, err := ReadListLayout(strings.NewReader(c.in), "f.csv", c.kind)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if lay.Plain != c.plain || lay.Fields != c.fields || (c.plain && c.kind == animetl.KindAnimeList && lay.Pos["rating"] != c.rating) ||
				strings.Join(lay.Ignored, "|") != strings.Join(c.ignored, "|") {
				t.Errorf("layout = %+v", lay)
			}
		})
	}
}

// TestIntReasonMatchesCleaner checks that the exported rules word a bad
// field exactly as the list decoder's reject does.
func TestIntReasonMatchesCleaner(t *testing.T) {
	values := []string{"", " 7 ", "abc", "28.0", "28.5", "-1", "11", "1e3", "99999999999999999999", "+3", "\t0\t", "2147483648"}
	for i, r := range ListRules {
		for _, v := range values {
			f := []string{"1", "1", "0", "1", "0"}
			f[i] = strings.ReplaceAll(v, ",", "")
			line := strings.Join(f, ",")
			var got *animetl.RowError
			_, err := DecodeAnimeList(strings.NewReader(strings.Join(AnimeListColumns, ",")+"\n"+line+"\n"), "f.csv",
				func(animetl.ListEntry) error { return nil }, func(e *animetl.RowError) error { got = e; return nil })
			if err != nil {
				t.Fatal(err)
			}
			want := IntReason(r, []byte(f[i]))
			switch {
			case got == nil && want != "":
				t.Errorf("%s %q: decoder accepts, IntReason says %q", r.Column, v, want)
			case got != nil && (got.Reason != want || got.Column != r.Column):
				t.Errorf("%s %q: decoder %s: %q, IntReason %q", r.Column, v, got.Column, got.Reason, want)
			}
		}
	}
}
