package synth

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/animetl/animetl"
)

// maxDeltaAnimeID bounds the anime ids a delta works with: catalogue rows
// with a larger MAL_ID are skipped, and list ids above it are tracked in a
// map instead of the dense per-id arrays (real MAL ids stay below 100,000).
const maxDeltaAnimeID = 1 << 22

// deltaCatalogue is the catalogue of a set read back from its anime.csv: a
// catalogue whose titles carry what the list model needs (id, episodes,
// quality from Score, genres, members), and a dense index from anime id to
// title.
type deltaCatalogue struct {
	*catalogue
	byID     []int32 // byID[id] is the title index + 1; 0 when id is not in the catalogue
	noGenres bool    // no title has a known genre
}

// title returns the catalogue title with id, or nil.
func (d *deltaCatalogue) title(id int32) *anime {
	if id < 0 || int(id) >= len(d.byID) || d.byID[id] == 0 {
		return nil
	}
	return &d.anime[d.byID[id]-1]
}

// readCatalogue reads anime.csv at path, in either layout, mapping columns by
// header name. Lines the pipeline would reject (too few fields, a MAL_ID that
// is not a positive integer or repeats, a Score outside 1-10) are skipped. A
// missing file gives an error wrapping animetl.ErrMissingFile, a header
// without MAL_ID one wrapping animetl.ErrHeader.
func readCatalogue(ctx context.Context, path string) (*deltaCatalogue, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("synth: %w: %w", animetl.ErrMissingFile, err)
		}
		return nil, fmt.Errorf("synth: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("synth: %s: header: %w: %w", path, animetl.ErrHeader, err)
	}
	col := map[string]int{}
	for i, name := range header {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		if _, dup := col[name]; !dup {
			col[name] = i
		}
	}
	idCol, ok := col["MAL_ID"]
	if !ok {
		return nil, fmt.Errorf("synth: %s: no MAL_ID column: %w", path, animetl.ErrHeader)
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return unknown
	}
	c := &catalogue{phantom: map[int32]bool{}}
	d := &deltaCatalogue{catalogue: c, noGenres: true}
	genreIndex := make(map[string]int, len(genres))
	for i, g := range genres {
		genreIndex[g] = i
	}
	for line := 0; ; line++ {
		if line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			continue // a malformed line: the pipeline rejects it too
		}
		if err != nil {
			return nil, fmt.Errorf("synth: %s: %w", path, err)
		}
		if len(rec) != len(header) {
			continue
		}
		id, err := strconv.ParseInt(rec[idCol], 10, 32)
		if err != nil || id <= 0 || id > maxDeltaAnimeID || int(id) < len(d.byID) && d.byID[id] != 0 {
			continue
		}
		a := anime{id: int32(id), quality: unknownQuality, members: 1}
		if s := field(rec, "Score"); s != unknown {
			q, err := strconv.ParseFloat(s, 64)
			if err != nil || q < 1 || q > 10 {
				continue
			}
			a.quality = q
		}
		if n, err := strconv.ParseInt(field(rec, "Episodes"), 10, 32); err == nil && n > 0 {
			a.episodes = int32(n)
		}
		if n, err := strconv.ParseInt(field(rec, "Members"), 10, 64); err == nil && n > 0 {
			a.members += n
		}
		if g := field(rec, "Genres"); g != unknown {
			for name := range strings.SplitSeq(g, ",") {
				if k, ok := genreIndex[strings.TrimSpace(name)]; ok {
					a.mask |= 1 << k
					d.noGenres = false
				}
			}
		}
		for int(id) >= len(d.byID) {
			d.byID = append(d.byID, make([]int32, max(1024, len(d.byID)))...)
		}
		c.anime = append(c.anime, a)
		d.byID[id] = int32(len(c.anime))
	}
	c.n = len(c.anime)
	if c.n > 0 {
		c.buildTables()
	}
	return d, nil
}
