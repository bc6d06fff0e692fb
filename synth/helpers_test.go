package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"testing"

	"github.com/animetl/animetl"
)

// memFile is an in-memory file handed out by memCreate.
type memFile struct {
	bytes.Buffer
	closed bool
}

// Close marks the file closed.
func (f *memFile) Close() error {
	f.closed = true
	return nil
}

// memFiles collects what Generate writes, by file name.
type memFiles map[string]*memFile

// create is a create function for Generate.
func (m memFiles) create(name string) (io.WriteCloser, error) {
	f := &memFile{}
	m[name] = f
	return f, nil
}

// MustGenerate generates cfg in memory and fails tb on error or on a file
// left open.
func MustGenerate(tb testing.TB, cfg Config) (memFiles, Stats) {
	tb.Helper()
	files := memFiles{}
	st, err := Generate(context.Background(), cfg, files.create)
	if err != nil {
		tb.Fatalf("Generate(%+v): %v", cfg, err)
	}
	for name, f := range files {
		if !f.closed {
			tb.Errorf("%s not closed", name)
		}
	}
	return files, st
}

// MustRecords parses data with encoding/csv (strict quotes, any field
// count), drops the index column when indexed after checking it counts
// 0..n-1, and returns header and records.
func MustRecords(tb testing.TB, data []byte, indexed bool) ([]string, [][]string) {
	tb.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	all, err := r.ReadAll()
	if err != nil {
		tb.Fatalf("csv: %v", err)
	}
	if len(all) == 0 {
		tb.Fatal("no header")
	}
	if indexed {
		for i, rec := range all {
			want := ""
			if i > 0 {
				want = strconv.Itoa(i - 1)
			}
			if rec[0] != want {
				tb.Fatalf("record %d: index %q, want %q", i, rec[0], want)
			}
			all[i] = rec[1:]
		}
	}
	return all[0], all[1:]
}

// layouts lists both layouts with whether they are indexed.
var layouts = []struct {
	layout  Layout
	indexed bool
}{{LayoutPublic, false}, {LayoutIndexed, true}}

// smallAnime is the catalogue size of tests that do not need the real one.
const smallAnime = 3000

// fileNames are the four files in the order Generate writes them.
var fileNames = []string{animetl.FileWatchingStatus, animetl.FileAnime, animetl.FileSynopsis, animetl.FileAnimeList}
