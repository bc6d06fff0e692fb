package local

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/animetl/animetl"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestListAndOpen(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "anime.csv"), "MAL_ID\n1\n")
	write(t, filepath.Join(dir, "animelist", "date=2026-11-28", "part-0.csv"), "x")
	write(t, filepath.Join(dir, ".hidden.csv"), "x")
	write(t, filepath.Join(dir, ".git", "config"), "x")
	src, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	files, err := src.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if len(names) != 2 || names[0] != "anime.csv" || names[1] != "animelist/date=2026-11-28/part-0.csv" {
		t.Fatalf("List = %v", names)
	}
	if files[0].Size != 9 {
		t.Errorf("size %d, want 9", files[0].Size)
	}
	rc, err := src.Open(ctx, files[0])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "MAL_ID\n1\n" {
		t.Errorf("Open read %q", b)
	}
	if _, err := src.Open(ctx, animetl.FileInfo{Name: "../outside.csv", Size: -1}); err == nil {
		t.Error("Open escaped the folder")
	}
	cctx, cancel := context.WithCancel(ctx)
	rc, err = src.Open(cctx, files[0])
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := rc.Read(make([]byte, 4)); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v, want context.Canceled", err)
	}
	rc.Close()
}

func TestNewRejectsNonFolders(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "f.csv"), "x")
	if _, err := New(filepath.Join(dir, "f.csv")); !errors.Is(err, animetl.ErrConfig) {
		t.Errorf("New(file) = %v, want ErrConfig", err)
	}
	if _, err := New(filepath.Join(dir, "missing")); err == nil {
		t.Error("New(missing) succeeded")
	}
}
