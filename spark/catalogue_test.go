package spark

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

// hostileCatalogue is the catalogue files of TestCatalogueMatchesDecoders:
// each kind in both layouts, with every hostile record HostileAnime,
// HostileSynopses and HostileStatuses know, plus a BOM, CRLF line ends, a
// line over MaxRecordBytes and a missing final line break.
func hostileCatalogue() map[string]struct {
	kind animetl.Kind
	text string
} {
	public := strings.Join(dataset.AnimeColumns, ",")
	tooLong := "999999," + strings.Repeat("x", dataset.DefaultMaxRecordBytes)
	return map[string]struct {
		kind animetl.Kind
		text string
	}{
		"anime_public.csv": {animetl.KindAnime, "\xEF\xBB\xBF" + public + "\r\n" +
			strings.Join(HostileAnime(1, false), "\r\n") + "\r\n" + tooLong + "\n" + strings.Join(animeRow(5000, nil), ",")},
		"anime_indexed.csv": {animetl.KindAnime, "," + public + "\n" + strings.Join(HostileAnime(1, true), "\n") + "\n"},
		"synopsis_public.csv": {animetl.KindSynopsis, strings.Join(dataset.SynopsisColumns, ",") + "\n" +
			strings.Join(HostileSynopses(1, false, true), "\n") + "\n"},
		"synopsis_indexed.csv": {animetl.KindSynopsis, ",MAL_ID, synopsis ,extra\n" +
			strings.Join(addColumn(HostileSynopses(1, true, false)), "\n") + "\n"},
		"status_public.csv": {animetl.KindWatchingStatus, "status,description\n1,Watching\n" + strings.Join(HostileStatuses(false), "\n")},
		"status_indexed.csv": {animetl.KindWatchingStatus, ",status, description\n0,1, Watching\n" +
			strings.Join(HostileStatuses(true), "\n") + "\n"},
	}
}

// addColumn appends an empty field to each line (an extra column the
// header names), leaving blank lines blank.
func addColumn(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if l != "" {
			l += ","
		}
		out[i] = l
	}
	return out
}

// decodeCatalogue is the Go decoders' reading of a catalogue file.
func decodeCatalogue(t *testing.T, kind animetl.Kind, text string) (int64, any, []animetl.RowError) {
	t.Helper()
	var rs []animetl.RowError
	rej := func(e *animetl.RowError) error { rs = append(rs, *e); return nil }
	var res dataset.Result
	var err error
	var rows any
	switch kind {
	case animetl.KindAnime:
		var as []animetl.Anime
		res, err = dataset.DecodeAnime(strings.NewReader(text), "f", func(a animetl.Anime) error { as = append(as, a); return nil }, rej)
		rows = as
	case animetl.KindSynopsis:
		var ss []animetl.Synopsis
		res, err = dataset.DecodeSynopsis(strings.NewReader(text), "f", func(s animetl.Synopsis) error { ss = append(ss, s); return nil }, rej)
		rows = ss
	default:
		var ws []animetl.WatchingStatus
		res, err = dataset.DecodeWatchingStatus(strings.NewReader(text), "f", func(s animetl.WatchingStatus) error { ws = append(ws, s); return nil }, rej)
		rows = ws
	}
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows, rows, rs
}

// readBack reads what the engine made of a catalogue file.
func readBack(t *testing.T, out animetl.ListOutput, fl *animetl.FileLoad) (int64, any, []animetl.RowError) {
	t.Helper()
	co := out.(animetl.CatalogueOutput)
	ctx := context.Background()
	var rs []animetl.RowError
	rej := func(e *animetl.RowError) error { rs = append(rs, *e); return nil }
	var n int64
	var err error
	var rows any
	switch fl.Kind {
	case animetl.KindAnime:
		var as []animetl.Anime
		n, err = co.ReadAnime(ctx, fl, func(b []animetl.Anime) error { as = append(as, b...); return nil }, rej)
		rows = as
	case animetl.KindSynopsis:
		var ss []animetl.Synopsis
		n, err = co.ReadSynopses(ctx, fl, func(b []animetl.Synopsis) error { ss = append(ss, b...); return nil }, rej)
		rows = ss
	default:
		var ws []animetl.WatchingStatus
		n, err = co.ReadStatuses(ctx, fl, func(b []animetl.WatchingStatus) error { ws = append(ws, b...); return nil }, rej)
		rows = ws
	}
	if err != nil {
		t.Fatal(err)
	}
	return n, rows, rs
}

// TestCatalogueMatchesDecoders runs catalogue.sql on hostile catalogue
// files of both layouts and compares every row, reject and count with the
// Go decoders'.
func TestCatalogueMatchesDecoders(t *testing.T) {
	r := remote(t)
	dir := t.TempDir()
	files := hostileCatalogue()
	var in []animetl.ListFile
	var id int16
	for name, f := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(f.text), 0o644); err != nil {
			t.Fatal(err)
		}
		lay, err := dataset.ReadCatalogueLayout(strings.NewReader(f.text), name, f.kind)
		if err != nil || !lay.Plain {
			t.Fatalf("%s: layout %+v: %v", name, lay, err)
		}
		id++
		in = append(in, animetl.ListFile{Load: &animetl.FileLoad{ID: id, Kind: f.kind, Info: animetl.FileInfo{Name: "f", Location: p}},
			Fields: lay.Fields, Pos: lay.Pos})
	}
	stage := t.TempDir()
	e := &Engine{Remote: r, Stage: stage}
	out, err := e.Transform(context.Background(), "20260101T000000Z-cat001", in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range in {
		name := filepath.Base(f.Load.Info.Location)
		t.Run(name, func(t *testing.T) {
			n, rows, rs := readBack(t, out, f.Load)
			wantN, wantRows, wantRs := decodeCatalogue(t, f.Load.Kind, files[name].text)
			if n != wantN {
				t.Errorf("rows read %d, want %d", n, wantN)
			}
			if reflect.ValueOf(wantRows).Len() < 3 || len(wantRs) < 5 {
				t.Fatalf("not hostile enough: %d rows, %d rejects", reflect.ValueOf(wantRows).Len(), len(wantRs))
			}
			gv, wv := reflect.ValueOf(rows), reflect.ValueOf(wantRows)
			if gv.Len() != wv.Len() {
				t.Errorf("%d rows, want %d", gv.Len(), wv.Len())
			}
			for i := range min(gv.Len(), wv.Len()) {
				if g, w := gv.Index(i).Interface(), wv.Index(i).Interface(); !reflect.DeepEqual(g, w) {
					t.Errorf("row %d:\n got %s\nwant %s", i, show(g), show(w))
				}
			}
			if len(rs) != len(wantRs) {
				t.Errorf("%d rejects, want %d", len(rs), len(wantRs))
			}
			for i := range min(len(rs), len(wantRs)) {
				if rs[i] != wantRs[i] {
					t.Errorf("reject %d:\n got %+v\nwant %+v", i, short(rs[i]), short(wantRs[i]))
				}
			}
			t.Logf("%d rows, %d rejects and duplicates alike", wv.Len(), len(wantRs))
		})
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// show renders a row with its pointers followed.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// TestCatalogueRefusesALongSpan: a quoted field spanning lines past
// MaxRecordBytes, which the Go reader cuts and resyncs on, fails the read
// naming the file and line instead of loading something else.
func TestCatalogueRefusesALongSpan(t *testing.T) {
	r := remote(t)
	p := filepath.Join(t.TempDir(), "anime_with_synopsis.csv")
	text := "MAL_ID,sypnopsis\n1,ok\n2,\"" + strings.Repeat("a long synopsis\n", dataset.DefaultMaxRecordBytes/16+1) + "\"\n3,ok\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	lay, err := dataset.ReadCatalogueLayout(strings.NewReader(text), "anime_with_synopsis.csv", animetl.KindSynopsis)
	if err != nil {
		t.Fatal(err)
	}
	fl := &animetl.FileLoad{ID: 1, Kind: animetl.KindSynopsis, Info: animetl.FileInfo{Name: "anime_with_synopsis.csv", Location: p}}
	out, err := (&Engine{Remote: r, Stage: t.TempDir()}).Transform(context.Background(), "20260101T000000Z-cat002",
		[]animetl.ListFile{{Load: fl, Fields: lay.Fields, Pos: lay.Pos}})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	_, err = out.(animetl.CatalogueOutput).ReadSynopses(context.Background(), fl,
		func([]animetl.Synopsis) error { return nil }, func(*animetl.RowError) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "anime_with_synopsis.csv line 3: a quoted field spans lines past") {
		t.Fatalf("err = %v, want the file, line 3 and the reason", err)
	}
}
