//go:build !purego

package recommend

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotAVX2 is the inner product of a[:n] and b[:n]; n is a multiple of 8.
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// axpyAVX2 sets y[:n] += a·x[:n]; n is a multiple of 8.
//
//go:noescape
func axpyAVX2(a float32, x, y *float32, n int)
