package dataset

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// TestScanListAgreesWithTheDecoder: the scan's fast and slow entries and
// its rejects are exactly DecodeAnimeList's, its skip list and blank lines
// number every fast entry right, and files the warehouse's reader could
// number differently are refused (Unsafe).
func TestScanListAgreesWithTheDecoder(t *testing.T) {
	const head = "user_id,anime_id,rating,watching_status,watched_episodes\n"
	cases := []struct {
		name   string
		in     string
		unsafe string // a substring of Unsafe, "" for a safe file
		lim    ScanLimits
	}{
		{"clean", head + "1,2,3,4,5\n1,3,0,6,0\n", "", DefaultScanLimits},
		{"BOM and no final newline", "\xEF\xBB\xBF" + head + "1,2,3,4,5\n1,3,0,6,0", "", DefaultScanLimits},
		{"blank lines", head + "\n1,2,3,4,5\n\n\n1,3,0,6,0\n\n", "", DefaultScanLimits},
		{"quoted, spaced, decimal and bad lines", head + "1,\"2\",3,4,5\n1, 3 ,0,6,0 \n1,4,7.0,2,1\n1,5,x,2,1\n1,6,11,2,1\n1,7,1,2\n1,8,1,2,1,9\n1,\"9,1,1,1\n+1,10,1,1,1\n1,11,1,1,1\n", "", DefaultScanLimits},
		{"indexed", "," + strings.TrimSuffix(head, "\n") + "\n0,1,2,3,4,5\n,1,3,0,6,0\n2,1,4,1,1,1\n", "", DefaultScanLimits},
		{"CRLF", strings.ReplaceAll(head+"1,2,3,4,5\n", "\n", "\r\n"), "CR", DefaultScanLimits},
		{"lone CR in a line", head + "1,2,3,4,5\n1,3\r,0,6,0\n", "CR", DefaultScanLimits},
		{"CR-only", strings.ReplaceAll(head+"1,2,3,4,5\n", "\n", "\r"), "CR-only", DefaultScanLimits},
		{"UTF-16", "\xFF\xFEu\x00s\x00", "UTF-16", DefaultScanLimits},
		{"invalid UTF-8", head + "1,2,3,4,5\n1,\xff,3,4,5\n", "UTF-8", DefaultScanLimits},
		{"too many blanks", head + "\n\n1,2,3,4,5\n", "blank", ScanLimits{SlowLines: 10, BlankLines: 1}},
		{"too many slow lines", head + "1,x,3,4,5\n1,y,3,4,5\n", "one by one", ScanLimits{SlowLines: 1, BlankLines: 10}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nop := func(animetl.ListEntry) {}
			if tc.unsafe != "" {
				s, err := ScanList(strings.NewReader(tc.in), "f.csv", tc.lim, nop, nop, func(*animetl.RowError) {})
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(s.Unsafe, tc.unsafe) {
					t.Fatalf("Unsafe = %q, want it to say %q", s.Unsafe, tc.unsafe)
				}
				return
			}
			var want []string
			_, err := DecodeAnimeList(strings.NewReader(tc.in), "f.csv", func(e animetl.ListEntry) error {
				want = append(want, fmt.Sprint(e))
				return nil
			}, func(e *animetl.RowError) error {
				want = append(want, fmt.Sprint(*e))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var fast []animetl.ListEntry
			s, err := ScanList(strings.NewReader(tc.in), "f.csv", tc.lim, func(e animetl.ListEntry) {
				fast = append(fast, e)
				got = append(got, fmt.Sprint(e))
			}, func(e animetl.ListEntry) { got = append(got, fmt.Sprint(e)) },
				func(e *animetl.RowError) { got = append(got, fmt.Sprint(*e)) })
			if err != nil {
				t.Fatal(err)
			}
			if s.Unsafe != "" {
				t.Fatalf("Unsafe = %q", s.Unsafe)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("scan:\n%s\ndecoder:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// What the warehouse's reader sees: every non-blank line after
			// the header, numbered from 1; the unskipped ones must land on
			// the fast entries' lines.
			lines := bytes.Split([]byte(tc.in), []byte("\n"))[1:]
			if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
				lines = lines[:len(lines)-1]
			}
			var k int64
			var landed []int64
			for _, l := range lines {
				if len(l) == 0 {
					continue
				}
				k++
				if slices.Contains(s.Direct.Skip, k) {
					continue
				}
				line := k + 1
				for _, after := range s.Direct.BlankAfter {
					if after < k {
						line++
					}
				}
				landed = append(landed, line)
			}
			var wantLines []int64
			for _, e := range fast {
				wantLines = append(wantLines, e.Line)
			}
			if !slices.Equal(landed, wantLines) || s.Direct.Rows != int64(len(fast)) {
				t.Fatalf("reader lines %v, fast entries on %v (rows %d)", landed, wantLines, s.Direct.Rows)
			}
		})
	}
}
