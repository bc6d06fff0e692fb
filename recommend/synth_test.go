package recommend

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/animetl/animetl/synth"
)

type memFile struct{ bytes.Buffer }

func (*memFile) Close() error { return nil }

var (
	synthOnce sync.Map // key synthKey -> *Data
)

type synthKey struct {
	rows  int64
	seed  uint64
	anime int
}

// mustSynth generates rows list entries with the synth generator (in
// memory, clean) and builds them with DefaultWeight; the result is shared
// by the tests (do not modify it).
func mustSynth(tb testing.TB, rows int64, seed uint64, anime int) *Data {
	tb.Helper()
	key := synthKey{rows, seed, anime}
	if d, ok := synthOnce.Load(key); ok {
		return d.(*Data)
	}
	files := map[string]*memFile{}
	_, err := synth.Generate(context.Background(), synth.Config{Rows: rows, Anime: anime, Seed: seed}, func(name string) (io.WriteCloser, error) {
		f := &memFile{}
		files[name] = f
		return f, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	b := NewBuilder(nil)
	sc := bufio.NewScanner(&files["animelist.csv"].Buffer)
	sc.Scan() // header: user_id,anime_id,rating,watching_status,watched_episodes
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		n := make([]int64, 4)
		for i := range n {
			if n[i], err = strconv.ParseInt(f[i], 10, 64); err != nil {
				tb.Fatalf("animelist line %q: %v", sc.Text(), err)
			}
		}
		b.Add(Interaction{UserID: int32(n[0]), AnimeID: int32(n[1]), Rating: int16(n[2]), Status: int16(n[3])})
	}
	d, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	synthOnce.Store(key, d)
	return d
}
