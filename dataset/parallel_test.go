package dataset

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

type listDecoding struct {
	res     Result
	entries []animetl.ListEntry
	rejects []animetl.RowError
	err     string
}

func sequential(input []byte) listDecoding {
	var d listDecoding
	res, err := DecodeAnimeList(bytes.NewReader(input), "animelist.csv",
		func(e animetl.ListEntry) error { d.entries = append(d.entries, e); return nil },
		func(e *animetl.RowError) error { d.rejects = append(d.rejects, *e); return nil })
	d.res = res
	if err != nil {
		d.err = err.Error()
	}
	return d
}

func parallel(input []byte, opts ListOptions) listDecoding {
	var d listDecoding
	res, err := DecodeAnimeListParallel(bytes.NewReader(input), "animelist.csv", opts,
		func(es []animetl.ListEntry) error { d.entries = append(d.entries, es...); return nil },
		func(e *animetl.RowError) error { d.rejects = append(d.rejects, *e); return nil })
	d.res = res
	if err != nil {
		d.err = err.Error()
	}
	return d
}

func sameDecoding(t *testing.T, name string, input []byte, opts ListOptions) {
	t.Helper()
	want, got := sequential(input), parallel(input, opts)
	if want.err != got.err {
		t.Fatalf("%s: error %q, sequential %q", name, got.err, want.err)
	}
	if !reflect.DeepEqual(want.res, got.res) {
		t.Errorf("%s: result %+v, sequential %+v", name, got.res, want.res)
	}
	if len(want.entries) != len(got.entries) || (len(want.entries) > 0 && !reflect.DeepEqual(want.entries, got.entries)) {
		t.Errorf("%s: %d entries, sequential %d (or they differ)", name, len(got.entries), len(want.entries))
	}
	if len(want.rejects) != len(got.rejects) || (len(want.rejects) > 0 && !reflect.DeepEqual(want.rejects, got.rejects)) {
		t.Errorf("%s: rejects %+v\nsequential %+v", name, got.rejects, want.rejects)
	}
}

func TestParallelEqualsSequential(t *testing.T) {
	hostile, err := os.ReadFile(filepath.Join("..", "testdata", "hostile", "animelist.csv"))
	if err != nil {
		t.Fatal(err)
	}
	long := "user_id,anime_id,rating,watching_status,watched_episodes\n1,2,3,4,5\n" + strings.Repeat("9", DefaultMaxRecordBytes+100) + "\n6,7,8,2,9\n"
	cases := map[string]string{
		"hostile fixture":               string(hostile),
		"indexed layout with BOM, CRLF": "\xEF\xBB\xBF,user_id,anime_id,rating,watching_status,watched_episodes\r\n0,1,2,8,2,12\r\n1,1,3,0,6,0\r\n",
		"no final newline":              "user_id,anime_id,rating,watching_status,watched_episodes\n1,2,3,4,5",
		"header only":                   "user_id,anime_id,rating,watching_status,watched_episodes",
		"header and newline":            "user_id,anime_id,rating,watching_status,watched_episodes\n",
		"blank lines at the end":        "user_id,anime_id,rating,watching_status,watched_episodes\n1,2,3,4,5\n\n\n",
		"quotes, open and closed":       "user_id,anime_id,rating,watching_status,watched_episodes\n1,\"2\",3,4,5\n1,\"3,4,5,6\n2,3,4,5,6\n",
		"runaway line":                  long,
		"empty":                         "",
		"bad header":                    "user,anime\n1,2\n",
		// The edges of the direct decoding of plain lines (listCleaner.fast):
		// each either decodes as the Reader and clean would or goes to them.
		"fast path edges": "user_id,anime_id,rating,watching_status,watched_episodes\n" +
			"2147483647,2147483647,10,32767,2147483647\n2147483648,1,0,0,0\n1,2147483648,0,0,0\n0,1,0,0,0\n" +
			"1,0,0,0,0\n1,2,11,0,0\n1,2,0,32768,0\n1,2,0,0,2147483648\n007,0008,010,02,00\n" +
			"123456789012345678,1,1,1,1\n1234567890123456789,1,1,1,1\n1,2,3,4,5,\n,1,2,3,4\n1,,2,3,4\n1,2,3,4\n" +
			"1,2,3,4,5,6\n+1,2,3,4,5\n-0,2,3,4,5\n1, 2,3,4,5\n1,2,3,4,5 \n1,2,3,4,8.0\n1,2,3,4,5\r\n\r\n1,2,3,4,5\r\r\n" +
			"1,2,3,4,\x005\n1,2,3,4,5",
	}
	for name, in := range cases {
		for _, bs := range []int{1, 7, 64, 4096} {
			sameDecoding(t, fmt.Sprintf("%s/block %d", name, bs), []byte(in), ListOptions{Workers: 3, BlockSize: bs})
		}
	}
}

func TestParallelEqualsSequentialOnRandomLists(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("user_id,anime_id,rating,watching_status,watched_episodes\n")
	for i := 0; i < 50_000; i++ {
		switch r.IntN(200) {
		case 0:
			b.WriteString("\n")
		case 1:
			b.WriteString("x,1,2,3\n")
		case 2:
			b.WriteString("1,2,\"3\r\n")
		default:
			fmt.Fprintf(&b, "%d,%d,%d,%d,%d\n", i/100, r.IntN(40000)+1, r.IntN(12)-1, r.IntN(7), r.IntN(30))
		}
	}
	for _, bs := range []int{100, 4096, 1 << 20} {
		sameDecoding(t, fmt.Sprintf("random/block %d", bs), []byte(b.String()), ListOptions{Workers: 4, BlockSize: bs})
	}
}

func FuzzParallelEqualsSequential(f *testing.F) {
	f.Add([]byte("user_id,anime_id,rating,watching_status,watched_episodes\n1,2,3,4,5\n\n1,\"2\n"), 5)
	f.Add([]byte(",user_id,anime_id,rating,watching_status,watched_episodes\r\n0,1,2,3,4,5\r\n"), 1)
	f.Add([]byte("user_id,anime_id,rating,watching_status,watched_episodes\n2147483648,1,0,0,0\n1,2,11,0,0\n007,08,10,2,0\r\n1,2,3,4,5,\n"), 9)
	f.Fuzz(func(t *testing.T, input []byte, bs int) {
		if bs <= 0 || bs > 1<<16 {
			bs = 16
		}
		sameDecoding(t, "fuzz", input, ListOptions{Workers: 2, BlockSize: bs})
	})
}
