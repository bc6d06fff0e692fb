package dataset

import (
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

const listHeader = "user_id,anime_id,rating,watching_status,watched_episodes"

func TestDecodeAnimeList(t *testing.T) {
	entry := func(user, anime int32, rating, status int16, eps int32) *animetl.ListEntry {
		return &animetl.ListEntry{UserID: user, AnimeID: anime, Rating: rating, Status: status, Episodes: eps, Line: 2}
	}
	tests := []struct {
		name      string
		line      string
		want      *animetl.ListEntry
		rejectCol string // "" with want nil: a whole-line reject
		reason    string // substring of the reason
	}{
		{name: "completed", line: "0,67,9,2,1", want: entry(0, 67, 9, 2, 1)},
		{name: "rating 0 kept as 0", line: "0,6702,0,6,0", want: entry(0, 6702, 0, 6, 0)},
		{name: "rating 10", line: "5,1,10,2,26", want: entry(5, 1, 10, 2, 26)},
		{name: "rating 1", line: "5,1,1,4,3", want: entry(5, 1, 1, 4, 3)},
		{name: "rating float text", line: "5,1,8.0,2,26", want: entry(5, 1, 8, 2, 26)},
		{name: "all float text", line: "5.0,1.0,8.0,2.0,26.0", want: entry(5, 1, 8, 2, 26)},
		{name: "status 0 kept", line: "7,21,0,0,0", want: entry(7, 21, 0, 0, 0)},
		{name: "status 5 kept", line: "7,21,6,5,12", want: entry(7, 21, 6, 5, 12)},
		{name: "status 1", line: "7,21,6,1,12", want: entry(7, 21, 6, 1, 12)},
		{name: "status 3", line: "7,21,6,3,12", want: entry(7, 21, 6, 3, 12)},
		{name: "plan to watch with episodes", line: "7,21,0,6,5", want: entry(7, 21, 0, 6, 5)},
		{name: "episodes above any catalogue count", line: "7,1,0,2,99999", want: entry(7, 1, 0, 2, 99999)},
		{name: "max ids", line: "2147483647,2147483647,0,1,0", want: entry(2147483647, 2147483647, 0, 1, 0)},
		{name: "padded fields", line: " 3 , 4 , 5 , 2 , 1 ", want: entry(3, 4, 5, 2, 1)},
		{name: "quoted fields", line: `"3","4","5","2","1"`, want: entry(3, 4, 5, 2, 1)},
		{name: "rating 11", line: "0,67,11,2,1", rejectCol: "rating", reason: "out of range [0, 10]"},
		{name: "rating -1", line: "0,67,-1,2,1", rejectCol: "rating", reason: "out of range"},
		{name: "rating fraction", line: "0,67,8.5,2,1", rejectCol: "rating", reason: "not a whole number"},
		{name: "rating Unknown", line: "0,67,Unknown,2,1", rejectCol: "rating", reason: "not an integer"},
		{name: "rating empty", line: "0,67,,2,1", rejectCol: "rating", reason: "empty value"},
		{name: "user_id non-numeric", line: "abc,67,9,2,1", rejectCol: "user_id", reason: "not an integer"},
		{name: "user_id negative", line: "-1,67,9,2,1", rejectCol: "user_id", reason: "out of range"},
		{name: "user_id exponent", line: "1e3,67,9,2,1", rejectCol: "user_id", reason: "not an integer"},
		{name: "user_id over int32", line: "2147483648,67,9,2,1", rejectCol: "user_id", reason: "out of range"},
		{name: "anime_id non-numeric", line: "0,x67,9,2,1", rejectCol: "anime_id", reason: "not an integer"},
		{name: "anime_id negative", line: "0,-67,9,2,1", rejectCol: "anime_id", reason: "out of range"},
		{name: "anime_id zero", line: "0,0,9,2,1", rejectCol: "anime_id", reason: "out of range"},
		{name: "anime_id fraction", line: "0,67.5,9,2,1", rejectCol: "anime_id", reason: "not a whole number"},
		{name: "status negative", line: "0,67,9,-2,1", rejectCol: "watching_status", reason: "out of range"},
		{name: "status word", line: "0,67,9,Completed,1", rejectCol: "watching_status", reason: "not an integer"},
		{name: "status over int16", line: "0,67,9,40000,1", rejectCol: "watching_status", reason: "out of range"},
		{name: "episodes negative", line: "0,67,9,2,-1", rejectCol: "watched_episodes", reason: "out of range"},
		{name: "episodes garbage", line: "0,67,9,2,all", rejectCol: "watched_episodes", reason: "not an integer"},
		{name: "too few fields", line: "0,67,9,2", reason: "expected 5 fields, got 4"},
		{name: "too many fields", line: "0,67,9,2,1,1", reason: "expected 5 fields, got 6"},
		{name: "blank", line: "", reason: ProblemBlank},
		{name: "after quote", line: `0,"67"x,9,2,1`, reason: ProblemAfterQuote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDecode(t, DecodeAnimeList, animetl.FileAnimeList, listHeader+"\n"+tt.line+"\n")
			if tt.want != nil {
				if len(d.Rows) != 1 || d.Rows[0] != *tt.want {
					t.Errorf("rows %+v rejects %+v, want %+v", d.Rows, d.Rejects, *tt.want)
				}
				return
			}
			if len(d.Rejects) != 1 {
				t.Fatalf("rows %+v, want a reject", d.Rows)
			}
			r := d.Rejects[0]
			if r.Column != tt.rejectCol || !strings.Contains(r.Reason, tt.reason) || r.Line != 2 || r.Raw != tt.line || r.Kind != animetl.KindReject {
				t.Errorf("reject %+v, want column %q reason %q", r, tt.rejectCol, tt.reason)
			}
		})
	}
}

func TestDecodeAnimeListLayouts(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		indexed bool
	}{
		{"public", listHeader + "\n0,67,9,1,1\n0,6702,0,6,0\n", false},
		{"indexed", "," + listHeader + "\n0,0,67,9,1,1\n1,0,6702,0,6,0\n", true},
		{"CRLF BOM no final newline", "\uFEFF" + listHeader + "\r\n0,67,9,1,1\r\n0,6702,0,6,0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDecode(t, DecodeAnimeList, animetl.FileAnimeList, tt.data)
			want := []animetl.ListEntry{
				{UserID: 0, AnimeID: 67, Rating: 9, Status: 1, Episodes: 1, Line: 2},
				{UserID: 0, AnimeID: 6702, Rating: 0, Status: 6, Episodes: 0, Line: 3},
			}
			if d.Res.Indexed != tt.indexed || len(d.Rows) != 2 || d.Rows[0] != want[0] || d.Rows[1] != want[1] {
				t.Errorf("res %+v rows %+v rejects %+v", d.Res, d.Rows, d.Rejects)
			}
		})
	}
}

// TestDecodeAnimeListRepeats checks that repeated (user_id, anime_id) pairs
// are all emitted: the warehouse finds them.
func TestDecodeAnimeListRepeats(t *testing.T) {
	d := mustDecode(t, DecodeAnimeList, animetl.FileAnimeList, listHeader+"\n1,2,3,2,4\n1,2,3,2,4\n1,2,9,2,4\n")
	if len(d.Rows) != 3 || len(d.Rejects) != 0 {
		t.Errorf("rows %+v rejects %+v", d.Rows, d.Rejects)
	}
	for i, r := range d.Rows {
		if r.Line != int64(i+2) {
			t.Errorf("row %d has line %d", i, r.Line)
		}
	}
}

// TestDecodeAnimeListLines checks line numbers across blank lines and broken
// quotes. List records are single lines: a quote cannot span lines there.
func TestDecodeAnimeListLines(t *testing.T) {
	data := listHeader + "\n" + // 1
		"1,1,1,1,1\n" + // 2
		"\n" + // 3 blank
		"1,2,\"3\n4\",1,1\n" + // 4 unterminated quote, 5 too few fields
		"1,3,1,1,1\n" + // 6
		"1,\"4,1,1,1\n" + // 7 unterminated
		"1,5,1,1,1\n" + // 8
		"1,6,1,1,1\n" + // 9
		"\n" // 10 blank
	d := mustDecode(t, DecodeAnimeList, animetl.FileAnimeList, data)
	var rows, rejects []int64
	for _, r := range d.Rows {
		rows = append(rows, r.Line)
	}
	for _, r := range d.Rejects {
		rejects = append(rejects, r.Line)
	}
	if want := []int64{2, 6, 8, 9}; !equalInts(rows, want) {
		t.Errorf("row lines %v, want %v", rows, want)
	}
	if want := []int64{3, 4, 5, 7, 10}; !equalInts(rejects, want) {
		t.Errorf("reject lines %v, want %v (%+v)", rejects, want, d.Rejects)
	}
	if d.Res.Rows != 9 {
		t.Errorf("Rows = %d, want 9", d.Res.Rows)
	}
}

// TestDecodeAnimeListResync checks that a stray quote closed by a bare quote
// lines later does not swallow the lines between into one reject.
func TestDecodeAnimeListResync(t *testing.T) {
	data := listHeader + "\n" +
		"1,\"2,3,4,5\n" + // 2 stray quote
		"6,7,8,9,10\n" + // 3
		"11,12,3,4,15\"\n" + // 4 bare quote at the end
		"16,17,8,19,20\n" // 5
	d := mustDecode(t, DecodeAnimeList, animetl.FileAnimeList, data)
	var rows []int64
	for _, r := range d.Rows {
		rows = append(rows, r.Line)
	}
	if !equalInts(rows, []int64{3, 5}) || len(d.Rejects) != 2 ||
		d.Rejects[0].Line != 2 || d.Rejects[0].Reason != ProblemUnterminated ||
		d.Rejects[1].Line != 4 || d.Rejects[1].Column != "watched_episodes" {
		t.Errorf("rows on lines %v, rejects %+v", rows, d.Rejects)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDecodeAnimeListNoAllocPerRow guards the happy path: decoding more rows
// must not allocate more.
func TestDecodeAnimeListNoAllocPerRow(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count in -short mode")
	}
	small, large := genAnimeList(1_000), genAnimeList(50_000)
	emit := func(animetl.ListEntry) error { return nil }
	reject := func(e *animetl.RowError) error { t.Fatalf("reject %v", e); return nil }
	allocs := func(data []byte) float64 {
		return testing.AllocsPerRun(5, func() {
			if _, err := DecodeAnimeList(strings.NewReader(string(data)), animetl.FileAnimeList, emit, reject); err != nil {
				t.Fatal(err)
			}
		})
	}
	a, b := allocs(small), allocs(large)
	if b > a+2 {
		t.Errorf("%.0f allocs for 1,000 rows, %.0f for 50,000: the happy path allocates per row", a, b)
	}
}
