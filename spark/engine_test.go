package spark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

// remote returns the Spark Connect server of the integration tests, or
// skips the test.
func remote(t *testing.T) string {
	t.Helper()
	r := os.Getenv("ANIMETL_TEST_SPARK_REMOTE")
	if r == "" {
		t.Skip("ANIMETL_TEST_SPARK_REMOTE not set (sc://HOST:PORT of a Spark Connect server; scripts/spark-connect.sh start, or make test, starts one)")
	}
	return r
}

// hostileList is a list file with every kind of bad line the decoder
// knows, and clean ones between them.
func hostileList() string {
	var b strings.Builder
	b.WriteString("user_id, anime_id ,rating,watching_status,watched_episodes,extra\r\n")
	lines := []string{
		"1,1,7,2,12,x", "1,2,0,1,3,", "", "1,3,11,2,1,", "1,4,-1,2,1,", "-1,5,1,1,1,", "1,0,1,1,1,",
		"1,6,abc,1,1,", "1,7,28.0,1,1,", "1,8,7.5,1,1,", "1,9,1e3,1,1,", "1,10, 7 ,1,1,", "1,11,\t8\t,1,1,",
		"1,12,+3,1,1,", "1,13,7,1", "1,14,7,1,1,x,y", `"1","15","7","1","1",""`, `"1,16,7,1,1,`,
		`"1"x,17,7,1,1,`, `1,"18""",7,1,1,`, `1,19",7,1,1,`, "1,20,7,1,1,\r", "1,21\r,7,1,1,",
		"1,22,7,1,99999999999999999999,", "1,23,7,1,2147483648,", "1,24,7,32768,1,", "1,25,7,32767,1,",
		"1,26,0000000000000000000007,1,1,", "1,27,é,1,1,", "1,28,\x00,1,1,", "1,29,7,1," + strings.Repeat("9", 400) + ",",
		"1,30,7,1,1," + strings.Repeat("é", 3000), "1,31,7,1,1,1" + strings.Repeat("x", dataset.DefaultMaxRecordBytes),
		"2,1,7,2,12,", "2,1,7,2,12,", "2,1,8,2,12,", "1,32,\"\",1,1,", "1,33,,1,1,", "1,34, ,1,1,", "1,35,\xff\xfe,1,1,", "1,36,7,1,1,\xff",
	}
	for i := 0; i < 3000; i++ { // enough lines for many blocks
		lines = append(lines, fmt.Sprintf("%d,%d,%d,%d,%d,", 10+i/50, 1+i%50, i%11, i%7, i%13))
		if i%97 == 0 {
			lines = append(lines, fmt.Sprintf("%d,x%d,1,1,1,", i, i))
		}
	}
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteString("\n\n")
	return b.String()
}

const hostileDeletes = "user_id,anime_id\n1,2\n1,2\n 1 ,2\nx,1\n3,4\n\n1,0\n3,4\n"

// decodeLocal is the Go decoders' reading of a file.
func decodeLocal(t *testing.T, kind animetl.Kind, text string) (int64, []animetl.ListEntry, []animetl.ListDelete, []animetl.RowError) {
	t.Helper()
	var es []animetl.ListEntry
	var ds []animetl.ListDelete
	var rs []animetl.RowError
	rej := func(e *animetl.RowError) error { rs = append(rs, *e); return nil }
	var res dataset.Result
	var err error
	if kind == animetl.KindListDelete {
		res, err = dataset.DecodeListDeletes(strings.NewReader(text), "f", func(d animetl.ListDelete) error { ds = append(ds, d); return nil }, rej)
	} else {
		res, err = dataset.DecodeAnimeList(strings.NewReader(text), "f", func(e animetl.ListEntry) error { es = append(es, e); return nil }, rej)
	}
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows, es, ds, rs
}

// TestEngineMatchesDecoders runs the Spark SQL on hostile files cut into
// many blocks and compares every row, reject and count with the Go
// decoders'.
func TestEngineMatchesDecoders(t *testing.T) {
	r := remote(t)
	dir := t.TempDir()
	files := map[string]struct {
		kind animetl.Kind
		text string
	}{
		"animelist.csv": {animetl.KindAnimeList, hostileList()},
		"deletes.csv":   {animetl.KindListDelete, hostileDeletes},
	}
	var in []animetl.ListFile
	var id int16
	for name, f := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(f.text), 0o644); err != nil {
			t.Fatal(err)
		}
		lay, err := dataset.ReadListLayout(strings.NewReader(f.text), name, f.kind)
		if err != nil || !lay.Plain {
			t.Fatalf("layout %+v: %v", lay, err)
		}
		id++
		in = append(in, animetl.ListFile{Load: &animetl.FileLoad{ID: id, Kind: f.kind, Info: animetl.FileInfo{Name: "f", Location: p}},
			Fields: lay.Fields, Pos: lay.Pos})
	}
	stage := t.TempDir()
	e := &Engine{Remote: r, Stage: stage, Conf: map[string]string{"spark.sql.files.maxPartitionBytes": "4096"}}
	out, err := e.Transform(context.Background(), "20260101T000000Z-test01", in)
	if err != nil {
		t.Fatal(err)
	}
	blocks := out.(*output).blocks
	if len(blocks) < 10 {
		t.Errorf("only %d blocks: the file was not split", len(blocks))
	}
	for _, f := range in {
		var es []animetl.ListEntry
		var ds []animetl.ListDelete
		var rs []animetl.RowError
		rows, err := out.Read(context.Background(), f.Load,
			func(b []animetl.ListEntry) error { es = append(es, b...); return nil },
			func(b []animetl.ListDelete) error { ds = append(ds, b...); return nil },
			func(e *animetl.RowError) error { rs = append(rs, *e); return nil })
		if err != nil {
			t.Fatal(err)
		}
		text := files[filepath.Base(f.Load.Info.Location)].text
		wantRows, wantEs, wantDs, wantRs := decodeLocal(t, f.Load.Kind, text)
		if f.Load.Kind == animetl.KindAnimeList {
			wantEs, wantRs = resolveRepeats(wantEs, wantRs)
			counts, err := out.(animetl.ResolvedOutput).BaseCounts(f.Load)
			if err != nil {
				t.Fatal(err)
			}
			sortCounts(counts)
			if want := countEntries(wantEs); !reflect.DeepEqual(counts, want) {
				t.Errorf("base counts %v, want %v", counts, want)
			}
		}
		if rows != wantRows {
			t.Errorf("%s: rows %d, want %d", f.Load.Info.Location, rows, wantRows)
		}
		sortLines(es, func(e animetl.ListEntry) int64 { return e.Line })
		if !reflect.DeepEqual(es, wantEs) {
			t.Errorf("%s: %d entries differ from the decoder's %d", f.Load.Info.Location, len(es), len(wantEs))
		}
		if !reflect.DeepEqual(ds, wantDs) {
			t.Errorf("%s: deletes %v, want %v", f.Load.Info.Location, ds, wantDs)
		}
		if len(rs) != len(wantRs) {
			t.Errorf("%s: %d rejects, want %d", f.Load.Info.Location, len(rs), len(wantRs))
		}
		for i := range min(len(rs), len(wantRs)) {
			if rs[i] != wantRs[i] {
				t.Errorf("reject %d:\n got %+v\nwant %+v", i, short(rs[i]), short(wantRs[i]))
			}
		}
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(stage); len(left) != 0 {
		t.Errorf("stage not removed: %v", left)
	}
}

func short(e animetl.RowError) animetl.RowError {
	if len(e.Raw) > 80 {
		e.Raw = e.Raw[:40] + "..." + e.Raw[len(e.Raw)-40:]
	}
	return e
}

func sortLines[T any](s []T, line func(T) int64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && line(s[j]) < line(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// resolveRepeats applies the warehouse's rule (schema/sql/repeats.sql) to
// a list file's entries, in line order: the first line of a key wins; a
// later one is a duplicate when status, rating and episodes are the
// first's, else a conflicting repeat. It returns the winners and the
// rejects with the losers among them, in line order.
func resolveRepeats(es []animetl.ListEntry, rs []animetl.RowError) ([]animetl.ListEntry, []animetl.RowError) {
	first := map[animetl.ListKey]animetl.ListEntry{}
	var won []animetl.ListEntry
	for _, e := range es {
		k := animetl.ListKey{UserID: e.UserID, AnimeID: e.AnimeID}
		f, seen := first[k]
		if !seen {
			first[k] = e
			won = append(won, e)
			continue
		}
		r := animetl.RowError{File: "f", Line: e.Line, Raw: fmt.Sprintf("%d,%d,%d,%d,%d", e.UserID, e.AnimeID, e.Rating, e.Status, e.Episodes)}
		if f.Status == e.Status && f.Rating == e.Rating && f.Episodes == e.Episodes {
			r.Kind, r.Reason = animetl.KindDuplicate, fmt.Sprintf("duplicate of line %d (user_id %d, anime_id %d)", f.Line, e.UserID, e.AnimeID)
		} else {
			r.Kind, r.Column = animetl.KindReject, "user_id,anime_id"
			r.Reason = fmt.Sprintf("conflicting repeat of (user_id %d, anime_id %d) first seen at line %d", e.UserID, e.AnimeID, f.Line)
		}
		rs = append(rs, r)
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Line < rs[j].Line })
	return won, rs
}

// countEntries counts entries per anime and status as
// animetl.StatusCount does, sorted.
func countEntries(es []animetl.ListEntry) []animetl.StatusCount {
	m := map[[2]int32]*animetl.StatusCount{}
	for _, e := range es {
		k := [2]int32{e.AnimeID, int32(e.Status)}
		c := m[k]
		if c == nil {
			c = &animetl.StatusCount{AnimeID: e.AnimeID, Status: e.Status}
			m[k] = c
		}
		c.Entries++
		if e.Rating != 0 {
			c.Ratings++
			c.RatingSum += int64(e.Rating)
		}
	}
	out := make([]animetl.StatusCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sortCounts(out)
	return out
}

func sortCounts(cs []animetl.StatusCount) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].AnimeID != cs[j].AnimeID {
			return cs[i].AnimeID < cs[j].AnimeID
		}
		return cs[i].Status < cs[j].Status
	})
}
