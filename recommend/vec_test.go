package recommend

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestVecKernelsAgreeWithGo checks dot and axpy (AVX2 where the CPU has
// it) against the portable loops for every length up to 70.
func TestVecKernelsAgreeWithGo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 71 {
		a, b, y1 := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i], y1[i] = r.Float32()-0.5, r.Float32()-0.5, r.Float32()
		}
		y2 := append([]float32(nil), y1...)
		if got, want := dot(a, b), dotGo(a, b); math.Abs(float64(got-want)) > 1e-5 {
			t.Errorf("dot n=%d: %v, want %v", n, got, want)
		}
		axpy(0.7, a, y1)
		axpyGo(0.7, a, y2)
		for i := range y1 {
			if math.Abs(float64(y1[i]-y2[i])) > 1e-6 {
				t.Fatalf("axpy n=%d [%d]: %v, want %v", n, i, y1[i], y2[i])
			}
		}
	}
}

func BenchmarkDot64(b *testing.B) {
	x, y := make([]float32, 64), make([]float32, 64)
	var s float32
	for range b.N {
		s += dot(x, y)
	}
	_ = s
}

func BenchmarkDotGo64(b *testing.B) {
	x, y := make([]float32, 64), make([]float32, 64)
	var s float32
	for range b.N {
		s += dotGo(x, y)
	}
	_ = s
}
