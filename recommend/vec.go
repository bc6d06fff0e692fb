package recommend

// The float32 kernels of ALS and its scoring. dot and axpy use AVX2 and FMA
// where the CPU has them (vec_amd64.s) and portable Go elsewhere; the
// results differ in the last bits between the two, so a model is
// deterministic per seed on one kind of machine.

// dot is the inner product of two vectors of the same length.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	n := 0
	var s float32
	if useAVX2 && len(a) >= 8 {
		n = len(a) &^ 7
		s = dotAVX2(&a[0], &b[0], n)
	}
	return s + dotGo(a[n:], b[n:])
}

// axpy sets y += a·x.
func axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	n := 0
	if useAVX2 && len(x) >= 8 {
		n = len(x) &^ 7
		axpyAVX2(a, &x[0], &y[0], n)
	}
	axpyGo(a, x[n:], y[n:])
}

func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGo(a float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}
