package pipeline

import (
	"fmt"
	"path"
	"regexp"
	"sort"

	"github.com/animetl/animetl"
)

// deltaName matches the daily delta files: animelist/date=YYYY-MM-DD/*.csv.
var deltaName = regexp.MustCompile(`^animelist/date=(\d{4}-\d{2}-\d{2})/[^/]+\.csv$`)

// plannedFile is a file a run will load, in load order.
type plannedFile struct {
	kind animetl.Kind
	info animetl.FileInfo
	date string // delta files only
}

// planFiles picks the files of a run from a source listing: the four base
// files by name (all required), then the delta files in date and name order.
// A missing base file fails the run before anything is loaded.
func planFiles(listing []animetl.FileInfo) ([]plannedFile, error) {
	byName := make(map[string]animetl.FileInfo, len(listing))
	for _, f := range listing {
		byName[f.Name] = f
	}
	kinds := map[string]animetl.Kind{
		animetl.FileWatchingStatus: animetl.KindWatchingStatus,
		animetl.FileAnime:          animetl.KindAnime,
		animetl.FileSynopsis:       animetl.KindSynopsis,
		animetl.FileAnimeList:      animetl.KindAnimeList,
	}
	var plan []plannedFile
	var missing []string
	for _, name := range animetl.BaseFiles {
		f, ok := byName[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		plan = append(plan, plannedFile{kind: kinds[name], info: f})
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%v: %w", missing, animetl.ErrMissingFile)
	}
	var deltas []plannedFile
	for _, f := range listing {
		if m := deltaName.FindStringSubmatch(f.Name); m != nil {
			deltas = append(deltas, plannedFile{kind: animetl.KindAnimeList, info: f, date: m[1]})
		}
	}
	sort.Slice(deltas, func(i, j int) bool {
		if deltas[i].date != deltas[j].date {
			return deltas[i].date < deltas[j].date
		}
		return path.Base(deltas[i].info.Name) < path.Base(deltas[j].info.Name)
	})
	return append(plan, deltas...), nil
}
