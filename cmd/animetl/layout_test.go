package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunListsWhatItIgnores puts beside the set what a week of upstream
// changes brings: every entry and column not loaded is in the summary, the
// JSON and the log, with why.
func TestRunListsWhatItIgnores(t *testing.T) {
	base, _ := contract.Gen(t, contract.Generated)
	dir := contract.CopyDir(t, base)
	part := "user_id,anime_id,rating,watching_status,watched_episodes\n1,1,5,1,1\n"
	for _, name := range []string{"README.txt", "ANIME.CSV", "animelist/part-0.csv", "animelist/date=20261123/part-0.csv",
		"animelist/dt=2026-11-27/part-0.csv", "animelist/date=2026-11-28/PART-2.CSV"} {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), part)
	}
	b, err := os.ReadFile(filepath.Join(dir, "watching_status.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	for i := range lines {
		lines[i] += map[bool]string{true: ",Color", false: ",red"}[i == 0]
	}
	writeFile(t, filepath.Join(dir, "watching_status.csv"), strings.Join(lines, "\n")+"\n")

	want := map[string]string{
		"README.txt":                           "not a source file: want anime.csv",
		"ANIME.CSV":                            "names are case-sensitive, want anime.csv",
		"animelist/part-0.csv":                 "not in a delta folder",
		"animelist/date=20261123/":             "not a delta folder: want animelist/date=YYYY-MM-DD/",
		"animelist/dt=2026-11-27/":             "not a delta folder",
		"animelist/date=2026-11-28/PART-2.CSV": "endings are case-sensitive",
		"watching_status.csv: column Color":    "column not in the watching_status.csv layout",
	}
	code, sum, stderr, _ := runJSON(t, dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s\n%s", code, sum.Error, stderr)
	}
	got := map[string]string{}
	for _, ig := range sum.Ignored {
		got[ig.Name] = ig.Reason
	}
	if len(got) != len(want) {
		t.Errorf("ignored %v, want %d entries", sum.Ignored, len(want))
	}
	for name, reason := range want {
		if !strings.Contains(got[name], reason) {
			t.Errorf("%s: reason %q, want %q", name, got[name], reason)
		}
		if !strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, reason) {
			t.Errorf("no warning says %q:\n%s", reason, stderr)
		}
	}
	if len(sum.Files) != 4 {
		t.Errorf("files %v, want the 4 base files", sum.Files)
	}
	code, out, _ := cli(t, "run", "--source", dir, "--warehouse", duckWarehouse(t), "--progress", "never")
	if code != exitOK || !strings.Contains(out, "ignored: 7 source entries and columns not loaded") ||
		!strings.Contains(out, "  animelist/dt=2026-11-27/: not a delta folder") {
		t.Errorf("exit %d, the human summary does not list the ignored entries:\n%s", code, out)
	}
}

func TestRunRefusesADeltaFolderOfAnImpossibleDate(t *testing.T) {
	base, _ := contract.Gen(t, contract.Generated)
	dir := contract.CopyDir(t, base)
	writeFile(t, filepath.Join(dir, "animelist", "date=2026-02-30", "part-0.csv"), "user_id,anime_id,rating,watching_status,watched_episodes\n1,1,5,1,1\n")
	code, sum, stderr, _ := runJSON(t, dir)
	if code != exitFailed || !strings.Contains(sum.Error, "animelist/date=2026-02-30/: 2026-02-30 is not a date that exists") {
		t.Errorf("exit %d, error %q; want 1 naming the folder\n%s", code, sum.Error, stderr)
	}
	if strings.Contains(strings.ToLower(sum.Error), "select") || strings.Contains(sum.Error, "Conversion") {
		t.Errorf("the error shows the engine's SQL: %s", sum.Error)
	}
}

// TestRunFollowsLinksInsideTheSource links the source folder, a delta day and
// a delta file: the same warehouse as the plain copy. A link leading out of
// the folder fails the run naming it.
func TestRunFollowsLinksInsideTheSource(t *testing.T) {
	plain := withDelta(t)
	root := t.TempDir()
	linked := filepath.Join(root, "real")
	if err := os.CopyFS(linked, os.DirFS(plain)); err != nil {
		t.Fatal(err)
	}
	day := filepath.Join(linked, "animelist", "date=2026-11-28")
	staged := filepath.Join(linked, "staging", "day")
	must(t, os.MkdirAll(filepath.Dir(staged), 0o755))
	must(t, os.Rename(day, staged))
	must(t, os.Symlink("../staging/day", day)) // a linked day
	dels := filepath.Join(staged, "deletes", "part-0.csv")
	must(t, os.Rename(dels, filepath.Join(linked, "staging", "deletes.csv")))
	must(t, os.Symlink(filepath.Join(linked, "staging", "deletes.csv"), dels)) // a linked file, absolute
	must(t, os.Symlink(linked, filepath.Join(root, "current")))                // a linked source folder

	code, want, stderr, plainWH := runJSON(t, plain)
	if code != exitOK {
		t.Fatalf("plain run: exit %d\n%s", code, stderr)
	}
	code, got, stderr, linkedWH := runJSON(t, filepath.Join(root, "current"))
	if code != exitOK {
		t.Fatalf("linked run: exit %d: %s\n%s", code, got.Error, stderr)
	}
	if fmt.Sprint(names(got.Files)) != fmt.Sprint(names(want.Files)) || len(got.Files) != 6 {
		t.Errorf("files %v, want %v", names(got.Files), names(want.Files))
	}
	if a, b := fingerprints(t, plainWH), fingerprints(t, linkedWH); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("the warehouses differ:\nplain  %v\nlinked %v", a, b)
	}

	outside := t.TempDir()
	must(t, os.Rename(staged, filepath.Join(outside, "day")))
	must(t, os.Remove(day))
	must(t, os.Symlink(filepath.Join(outside, "day"), day))
	code, got, stderr, _ = runJSON(t, filepath.Join(root, "current"))
	if code != exitFailed || !strings.Contains(got.Error, "animelist/date=2026-11-28 is a link to") ||
		!strings.Contains(got.Error, "outside the source folder") {
		t.Errorf("a day linked from outside: exit %d, error %q; want 1 naming it\n%s", code, got.Error, stderr)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
