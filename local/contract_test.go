package local_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/local"
)

// serve writes files under a new folder and returns a Source over it and
// the Put that changes them.
func serve(t *testing.T, files map[string][]byte) (animetl.Source, contract.Put) {
	dir := t.TempDir()
	put := func(t *testing.T, name string, body []byte) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range files {
		put(t, name, body)
	}
	src, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return src, put
}

func TestSourceContract(t *testing.T) {
	contract.RunSource(t, func(t *testing.T, files map[string][]byte) animetl.Source {
		src, _ := serve(t, files)
		return src
	}, contract.SourceOptions{Lists: true})
}

// TestSourceReuse: one folder Source serves run after run, and runs at once.
// A folder has no version to pin to, so an older listing is not checked.
func TestSourceReuse(t *testing.T) {
	contract.RunSourceReuse(t, serve, contract.ReuseOptions{Pins: false})
}
