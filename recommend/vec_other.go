//go:build !amd64 || purego

package recommend

const useAVX2 = false

func dotAVX2(a, b *float32, n int) float32     { panic("recommend: no AVX2") }
func axpyAVX2(a float32, x, y *float32, n int) { panic("recommend: no AVX2") }
