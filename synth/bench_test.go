package synth

import (
	"context"
	"io"
	"testing"
)

// nopWriteCloser discards what is written.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// discard is a create function that throws every file away.
func discard(string) (io.WriteCloser, error) { return nopWriteCloser{io.Discard}, nil }

func BenchmarkGenerate(b *testing.B) {
	const rows = 1_000_000
	benchmarks := []struct {
		name string
		cfg  Config
	}{
		{"clean", Config{Rows: rows}},
		{"defects 1%", Config{Rows: rows, DefectRate: 0.01}},
		{"indexed", Config{Rows: rows, Layout: LayoutIndexed}},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			var bytes int64
			for b.Loop() {
				st, err := Generate(context.Background(), bm.cfg, discard)
				if err != nil {
					b.Fatal(err)
				}
				bytes = st.AnimeList.Bytes
			}
			b.SetBytes(bytes)
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
