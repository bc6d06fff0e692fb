package local_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/local"
)

func TestSourceContract(t *testing.T) {
	contract.RunSource(t, func(t *testing.T, files map[string][]byte) animetl.Source {
		dir := t.TempDir()
		for name, body := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		src, err := local.New(dir)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}, contract.SourceOptions{Lists: true})
}
