package recommend

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// Defaults of ALS, chosen with `animetl evaluate` on the generated sets
// (0.3M to 8M list entries, whose lists follow popularity with a personal
// lean towards one to three favourite genres). With the implicit
// library's usual 64 factors and λ = 0.01, ALS learns each list's random
// picks and ranks the popular titles too low: NDCG@10 0.34 against
// popularity's 0.41 on the 8M set. Fewer factors and a stronger penalty
// keep the vectors to the taste: on the 8M set (α = 1, 15 sweeps) 16, 24
// and 32 factors with λ = 30 gave 0.414, 0.417 and 0.412, and 24 factors
// with λ = 100 gave 0.417, all above popularity's 0.408; 64 factors needed
// λ = 100 and 8 sweeps to get there (0.414).
const (
	DefaultFactors        = 24
	DefaultRegularization = 30
	DefaultIterations     = 15
	// DefaultAlpha scales the weights into confidences, c = 1 + Alpha·w.
	// DefaultWeight gives 0.01 (dropped, rated 1) to 1.43 (completed,
	// rated 10), so with 1 a listed anime counts 1 to 2.4 times an
	// unlisted one: evaluation asks whether the user lists an anime, in
	// any status, so a flatter confidence serves it best (1 beat 3, 5, 10,
	// 20 and 40 on the generated sets tried).
	DefaultAlpha = 1
	// DefaultCGSteps is the conjugate-gradient steps per row and sweep, as
	// in the implicit library: warm-started from the last sweep's factors,
	// three steps are as good as an exact solve.
	DefaultCGSteps = 3
)

// ALS is implicit-feedback matrix factorisation by alternating least
// squares (Hu, Koren and Volinsky, "Collaborative Filtering for Implicit
// Feedback Datasets", 2008). Every user u and anime i get a vector of
// Factors; the fit minimises
//
//	Σ_{u,i} c_ui (p_ui − x_u·y_i)² + Regularization (Σ|x_u|² + Σ|y_i|²)
//
// over every (user, anime) pair, where p_ui is 1 for a listed anime and 0
// otherwise, and the confidence c_ui is 1 + Alpha·w_ui for a listed anime
// (w from the WeightFunc the Data was built with, DefaultWeight: by status
// and rating) and 1 otherwise. Each sweep solves every user's vector with
// the anime fixed, then every anime's with the users fixed, each row by a
// few conjugate-gradient steps warm-started from its last value (the
// implicit library's default solver), so no per-row matrix is formed. Rows
// are solved in parallel with every core; each row's solve reads only the
// other side, so the result depends on the seed alone.
type ALS struct {
	// Factors is the length of the vectors (0 means DefaultFactors).
	Factors int
	// Regularization is the L2 penalty λ (0 means none; New defaults it).
	Regularization float32
	// Iterations is the number of sweeps (0 means DefaultIterations).
	Iterations int
	// Alpha scales weights into confidences (0 means DefaultAlpha).
	Alpha float32
	// CGSteps is the conjugate-gradient steps per row (0 means
	// DefaultCGSteps).
	CGSteps int
	// Seed seeds the random start of the item vectors.
	Seed uint64

	f         int
	users     []float32 // row u is users[u*f : u*f+f]
	items     []float32
	itemNorms []float32
}

// Name implements Model.
func (m *ALS) Name() string { return "als" }

// Fit trains the factors with every core. It returns ctx's error when
// cancelled (checked between rows).
func (m *ALS) Fit(ctx context.Context, d *Data) error {
	f := m.Factors
	if f <= 0 {
		f = DefaultFactors
	}
	iters := m.Iterations
	if iters <= 0 {
		iters = DefaultIterations
	}
	alpha := m.Alpha
	if alpha <= 0 {
		alpha = DefaultAlpha
	}
	steps := m.CGSteps
	if steps <= 0 {
		steps = DefaultCGSteps
	}
	m.f = f
	nu, ni := len(d.Users), len(d.Items)
	m.users = make([]float32, nu*f)
	m.items = make([]float32, ni*f)
	// The implicit library's start: uniform in [0, 0.01) for both sides;
	// the users' start is overwritten by the first sweep but keeps the CG
	// warm start well defined.
	r := rand.New(rand.NewPCG(m.Seed, 0x616c73))
	for i := range m.users {
		m.users[i] = r.Float32() * 0.01
	}
	for i := range m.items {
		m.items[i] = r.Float32() * 0.01
	}
	t := transpose(d)
	gram := make([]float32, f*f)
	s := solver{f: f, alpha: alpha, reg: m.Regularization, steps: steps, gram: gram}
	for range iters {
		s.solveAll(ctx, d, m.users, m.items)
		if err := ctx.Err(); err != nil {
			return err
		}
		s.solveAll(ctx, t, m.items, m.users)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	m.itemNorms = make([]float32, ni)
	for i := range ni {
		y := m.items[i*f : i*f+f]
		m.itemNorms[i] = float32(math.Sqrt(float64(dot(y, y))))
	}
	return nil
}

// Score implements Model: the dot product of the user's and every item's
// vector.
func (m *ALS) Score(u int, scores []float32) {
	f := m.f
	x := m.users[u*f : u*f+f]
	for i := range scores {
		scores[i] = dot(x, m.items[i*f:i*f+f])
	}
}

// Similar implements Similarity: the cosine of item i's vector and every
// item's (zero for a zero vector).
func (m *ALS) Similar(i int, scores []float32) {
	f := m.f
	y, ni := m.items[i*f:i*f+f], m.itemNorms[i]
	for j := range scores {
		n := ni * m.itemNorms[j]
		if n == 0 {
			scores[j] = 0
			continue
		}
		scores[j] = dot(y, m.items[j*f:j*f+f]) / n
	}
}

// solver holds one sweep's settings and the Gram matrix of the fixed side.
type solver struct {
	f          int
	alpha, reg float32
	steps      int
	gram       []float32 // YᵀY + λI of the fixed side, f × f
}

// solveAll updates every row of x (the rows of m) with y fixed.
func (s *solver) solveAll(ctx context.Context, m *Data, x, y []float32) {
	f := s.f
	s.setGram(y)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float32, 3*f)
			r, p, ap := buf[:f], buf[f:2*f], buf[2*f:]
			const block = 64
			for {
				lo := int(next.Add(block) - block)
				if lo >= len(m.Ptr)-1 || ctx.Err() != nil {
					return
				}
				for u := lo; u < min(lo+block, len(m.Ptr)-1); u++ {
					cols, ws := m.Row(u)
					s.solveRow(x[u*f:u*f+f], y, cols, ws, r, p, ap)
				}
			}
		}()
	}
	wg.Wait()
}

// setGram computes YᵀY + λI: each worker owns whole rows of the result
// and sums them over Y's rows in order, so the sum does not depend on the
// number of cores.
func (s *solver) setGram(y []float32) {
	f := s.f
	n := len(y) / f
	clear(s.gram)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				a := int(next.Add(1) - 1)
				if a >= f {
					return
				}
				out := s.gram[a*f : a*f+f]
				for i := range n {
					row := y[i*f : i*f+f]
					if row[a] != 0 {
						axpy(row[a], row, out)
					}
				}
				out[a] += s.reg
			}
		}()
	}
	wg.Wait()
}

// solveRow runs the conjugate-gradient steps on one row's normal equations
//
//	(YᵀY + λI + Σ_i (c_i − 1) y_i y_iᵀ) x = Σ_i c_i y_i
//
// from the row's current x, without forming the matrix: the listed items
// (cols, with weights ws) add their rank-one terms on the fly.
func (s *solver) solveRow(x, y []float32, cols []int32, ws []float32, r, p, ap []float32) {
	f := s.f
	// r = b − A x
	s.gramMul(x, r)
	for k := range r {
		r[k] = -r[k]
	}
	for k, i := range cols {
		yi := y[int(i)*f : int(i)*f+f]
		c := 1 + s.alpha*ws[k]
		axpy(c-(c-1)*dot(yi, x), yi, r)
	}
	copy(p, r)
	rs := dot(r, r)
	if rs < 1e-20 {
		return
	}
	for range s.steps {
		s.gramMul(p, ap)
		for k, i := range cols {
			yi := y[int(i)*f : int(i)*f+f]
			axpy(s.alpha*ws[k]*dot(yi, p), yi, ap)
		}
		a := rs / dot(p, ap)
		axpy(a, p, x)
		axpy(-a, ap, r)
		rsNew := dot(r, r)
		if rsNew < 1e-20 {
			return
		}
		beta := rsNew / rs
		for k := range p {
			p[k] = r[k] + beta*p[k]
		}
		rs = rsNew
	}
}

// gramMul sets out = gram · v.
func (s *solver) gramMul(v, out []float32) {
	f := s.f
	for a := range f {
		out[a] = dot(s.gram[a*f:a*f+f], v)
	}
}

// NewALSFromFactors returns an ALS model of vectors trained elsewhere (for
// instance by another library, to score it with Metrics): row u of users
// and row i of items, f floats each, in the row order of the Data it will
// score.
func NewALSFromFactors(f int, users, items []float32) (*ALS, error) {
	if f < 1 || len(users)%f != 0 || len(items)%f != 0 {
		return nil, fmt.Errorf("recommend: factors: %d user and %d item floats are not rows of %d", len(users), len(items), f)
	}
	m := &ALS{Factors: f, f: f, users: users, items: items, itemNorms: make([]float32, len(items)/f)}
	for i := range m.itemNorms {
		y := items[i*f : i*f+f]
		m.itemNorms[i] = float32(math.Sqrt(float64(dot(y, y))))
	}
	return m, nil
}
