package pipeline

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/animetl/animetl"
)

// The source layout: the four base files at the top, each plain, .gz or
// .zst; daily upserts in animelist/date=YYYY-MM-DD/NAME.csv and removed
// entries in animelist/date=YYYY-MM-DD/deletes/NAME.csv, also compressed or
// not. Names are case-sensitive.
const (
	deltaFolder   = "animelist"
	deletesFolder = "deletes"
	wantBase      = "want anime.csv, animelist.csv, watching_status.csv or anime_with_synopsis.csv, optionally .gz or .zst"
	wantDayFolder = "not a delta folder: want animelist/date=YYYY-MM-DD/"
	wantDeltaFile = "not a delta file: want animelist/date=YYYY-MM-DD/NAME.csv or animelist/date=YYYY-MM-DD/deletes/NAME.csv"
)

// dayFolder is the shape of a delta folder's name; its date must also exist.
var dayFolder = regexp.MustCompile(`^date=(\d{4}-\d{2}-\d{2})$`)

// sourceSet is a listing sorted out: the base files by the name they are
// read as, the delta files in application order, and every entry not loaded
// with the reason.
type sourceSet struct {
	base    map[string]animetl.FileInfo
	deltas  []plannedFile
	ignored []animetl.IgnoredEntry
}

// classify sorts a listing into base files, delta files and ignored entries.
// It fails, wrapping animetl.ErrSourceLayout, on entries that cannot be read
// as they stand: a delta folder of a date that does not exist, or a file
// present twice (plain and compressed, or in two compressions).
func classify(listing []animetl.FileInfo) (*sourceSet, error) {
	set := &sourceSet{base: map[string]animetl.FileInfo{}}
	stored := map[string][]string{} // read name -> stored names
	ignored := map[string]string{}  // entry -> reason, first reason wins
	ignore := func(name, reason string) {
		if _, ok := ignored[name]; !ok {
			ignored[name] = reason
		}
	}
	var badDays []string
	for _, f := range listing {
		if strings.HasSuffix(f.Name, "/") {
			continue // a folder marker of an object store: no content
		}
		read, _ := splitCodec(f.Name)
		parts := strings.Split(f.Name, "/")
		switch {
		case len(parts) == 1:
			if kind := baseKinds[read]; kind != animetl.KindUnknown {
				stored[read] = append(stored[read], f.Name)
				set.base[read] = f
				continue
			}
			ignore(f.Name, baseReason(read))
		case parts[0] == deltaFolder:
			p, reason, folder, err := deltaFile(f, parts)
			switch {
			case err != nil:
				badDays = append(badDays, err.Error())
			case reason != "":
				ignore(folder, reason)
			default:
				stored[read] = append(stored[read], f.Name)
				set.deltas = append(set.deltas, p)
			}
		case strings.EqualFold(parts[0], deltaFolder):
			ignore(parts[0]+"/", "not the delta folder: names are case-sensitive, want animelist/")
		default:
			ignore(parts[0]+"/", "not a source folder: base files sit at the top, deltas under animelist/date=YYYY-MM-DD/")
		}
	}
	if len(badDays) > 0 {
		sort.Strings(badDays)
		return nil, fmt.Errorf("%s: %w", strings.Join(dedupe(badDays), "; "), animetl.ErrSourceLayout)
	}
	var twice []string
	for _, names := range stored {
		if len(names) > 1 {
			sort.Strings(names)
			twice = append(twice, strings.Join(names, " and "))
		}
	}
	if len(twice) > 0 {
		sort.Strings(twice)
		return nil, fmt.Errorf("%s: the same file is present more than once (plain and compressed?): keep one: %w",
			strings.Join(twice, "; "), animetl.ErrSourceLayout)
	}
	sortDeltas(set.deltas)
	for name, reason := range ignored {
		set.ignored = append(set.ignored, animetl.IgnoredEntry{Name: name, Reason: reason})
	}
	sort.Slice(set.ignored, func(i, j int) bool { return set.ignored[i].Name < set.ignored[j].Name })
	return set, nil
}

// baseReason says why a file at the top of the source is not loaded.
func baseReason(read string) string {
	for _, b := range animetl.BaseFiles {
		if strings.EqualFold(read, b) {
			return "not a source file: names are case-sensitive, want " + b + ", optionally .gz or .zst"
		}
	}
	return "not a source file: " + wantBase
}

// deltaFile reads an entry under animelist/ (split into parts): a delta
// file, or the reason it is ignored and the entry to name (a whole folder
// when the folder is what does not fit), or an error for a folder of a
// date that does not exist.
func deltaFile(f animetl.FileInfo, parts []string) (p plannedFile, reason, entry string, err error) {
	if len(parts) == 2 {
		return p, "not in a delta folder: want animelist/date=YYYY-MM-DD/" + parts[1], f.Name, nil
	}
	folder := parts[0] + "/" + parts[1] + "/"
	m := dayFolder.FindStringSubmatch(parts[1])
	if m == nil {
		return p, wantDayFolder, folder, nil
	}
	if _, perr := time.Parse(time.DateOnly, m[1]); perr != nil {
		return p, "", "", fmt.Errorf("%s: %s is not a date that exists", folder, m[1])
	}
	rest := parts[2:]
	p = plannedFile{kind: animetl.KindAnimeList, info: f, date: m[1]}
	switch {
	case len(rest) == 2 && rest[0] == deletesFolder:
		p.kind = animetl.KindListDelete
	case len(rest) != 1:
		return p, wantDeltaFile, f.Name, nil
	}
	read, _ := splitCodec(path.Base(f.Name))
	switch {
	case strings.HasSuffix(read, ".csv") && len(read) > len(".csv"):
		return p, "", "", nil
	case strings.HasSuffix(strings.ToLower(read), ".csv") && len(read) > len(".csv"):
		return p, "not a delta file: endings are case-sensitive, want .csv, .csv.gz or .csv.zst", f.Name, nil
	}
	return p, "not a delta file: want NAME.csv, NAME.csv.gz or NAME.csv.zst", f.Name, nil
}

// sortDeltas puts delta files in application order: by date, the day's
// upserts before its deletes, then by name.
func sortDeltas(ds []plannedFile) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.date != b.date {
			return a.date < b.date
		}
		if a.kind != b.kind {
			return a.kind == animetl.KindAnimeList // upserts first
		}
		return path.Base(a.info.Name) < path.Base(b.info.Name)
	})
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}
