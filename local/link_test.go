package local

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func link(t *testing.T, target, at string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(at), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, at); err != nil {
		t.Fatal(err)
	}
}

// listed returns name -> content of every file List names, read through Open.
func listed(t *testing.T, src *Source) map[string]string {
	t.Helper()
	ctx := context.Background()
	files, err := src.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		rc, err := src.Open(ctx, f)
		if err != nil {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != f.Size {
			t.Errorf("%s: size %d, read %d", f.Name, f.Size, len(b))
		}
		out[f.Name] = string(b)
	}
	return out
}

func TestLinksInsideTheFolderAreFollowed(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "src")
	write(t, filepath.Join(dir, "versions", "anime-v2.csv"), "anime")
	write(t, filepath.Join(dir, "incoming", "day28", "part-0.csv"), "day28")
	write(t, filepath.Join(dir, "incoming", "part-1.csv"), "part1")
	link(t, "versions/anime-v2.csv", filepath.Join(dir, "anime.csv"))                                                       // relative link to a file
	link(t, "../incoming/day28", filepath.Join(dir, "animelist", "date=2026-11-28"))                                        // relative link to a folder
	link(t, filepath.Join(dir, "incoming", "part-1.csv"), filepath.Join(dir, "animelist", "date=2026-11-29", "part-1.csv")) // absolute link to a file
	link(t, dir, filepath.Join(root, "current"))                                                                            // the source folder is a link

	src, err := New(filepath.Join(root, "current"))
	if err != nil {
		t.Fatal(err)
	}
	got := listed(t, src)
	for name, body := range map[string]string{
		"anime.csv": "anime", "animelist/date=2026-11-28/part-0.csv": "day28", "animelist/date=2026-11-29/part-1.csv": "part1",
	} {
		if got[name] != body {
			t.Errorf("%s: read %q, want %q (listed %v)", name, got[name], body, got)
		}
	}
	if src.String() != filepath.Join(root, "current") {
		t.Errorf("String() = %s, want the folder as given", src.String())
	}
}

func TestLinksLeavingTheFolderAreRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, outside string)
		entry string
		why   string
	}{
		{"a delta day outside", func(t *testing.T, dir, outside string) {
			write(t, filepath.Join(outside, "day", "part-0.csv"), "x")
			link(t, filepath.Join(outside, "day"), filepath.Join(dir, "animelist", "date=2026-11-28"))
		}, "animelist/date=2026-11-28", "outside the source folder"},
		{"a base file outside", func(t *testing.T, dir, outside string) {
			write(t, filepath.Join(outside, "anime.csv"), "x")
			link(t, "../outside/anime.csv", filepath.Join(dir, "anime.csv"))
		}, "anime.csv", "outside the source folder"},
		{"a dangling link", func(t *testing.T, dir, outside string) {
			link(t, "nowhere.csv", filepath.Join(dir, "animelist", "date=2026-11-28", "part-0.csv"))
		}, "animelist/date=2026-11-28/part-0.csv", "cannot be followed"},
		{"a loop", func(t *testing.T, dir, outside string) {
			link(t, "..", filepath.Join(dir, "animelist", "again"))
		}, "animelist/again", "a loop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir, outside := filepath.Join(root, "src"), filepath.Join(root, "outside")
			write(t, filepath.Join(dir, "watching_status.csv"), "x")
			tc.setup(t, dir, outside)
			src, err := New(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = src.List(context.Background())
			if !errors.Is(err, animetl.ErrSourceLayout) {
				t.Fatalf("List = %v, want ErrSourceLayout", err)
			}
			if !strings.Contains(err.Error(), tc.entry+" is a link") || !strings.Contains(err.Error(), tc.why) {
				t.Errorf("error %q does not name %s and say %q", err, tc.entry, tc.why)
			}
		})
	}
}

// TestOpenReadsWhereTheListingsLinkLed: a link retargeted between List and
// Open is not followed anew: each listing's FileInfo reads the file its link
// led to when listed, even when another listing on the same Source saw the
// new target in between.
func TestOpenReadsWhereTheListingsLinkLed(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "versions", "v1.csv"), "first")
	write(t, filepath.Join(dir, "versions", "v2.csv"), "second")
	link(t, "versions/v1.csv", filepath.Join(dir, "anime.csv"))
	src, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := src.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "anime.csv")); err != nil {
		t.Fatal(err)
	}
	link(t, "versions/v2.csv", filepath.Join(dir, "anime.csv"))
	second, err := src.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		listing []animetl.FileInfo
		want    string
	}{{"first listing", first, "first"}, {"second listing", second, "second"}} {
		i := slices.IndexFunc(tc.listing, func(f animetl.FileInfo) bool { return f.Name == "anime.csv" })
		if i < 0 {
			t.Fatalf("%s lacks anime.csv: %v", tc.name, tc.listing)
		}
		rc, err := src.Open(ctx, tc.listing[i])
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != tc.want {
			t.Errorf("%s: read %q, %v; want %q, where its link led", tc.name, b, err, tc.want)
		}
	}
}

// TestFolderNamedLikeAFileIsRefused: a folder named anime.csv (an unpacked
// archive, a mistaken mkdir) is named as a folder, not reported missing.
func TestFolderNamedLikeAFileIsRefused(t *testing.T) {
	for _, name := range []string{"anime.csv", "animelist/date=2026-11-28/part-0.CSV.gz"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "watching_status.csv"), "x")
			if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(name)), 0o755); err != nil {
				t.Fatal(err)
			}
			src, err := New(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = src.List(context.Background())
			if !errors.Is(err, animetl.ErrSourceLayout) || !strings.Contains(err.Error(), name+" is a folder, not a file") {
				t.Fatalf("err = %v, want ErrSourceLayout naming %s as a folder", err, name)
			}
		})
	}
}
