package reconcile

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Errors returned by this package.
var (
	// ErrHierarchy means the (id, parent) pairs do not form a forest.
	ErrHierarchy = errors.New("invalid hierarchy")
	// ErrCovariance means the error covariance cannot be estimated or inverted.
	ErrCovariance = errors.New("unusable error covariance")
)

// Node is one series of a hierarchy.
type Node struct {
	ID     string // unique, non-empty identifier, e.g. a GSS code
	Parent string // ID of the parent node; "" for a top node
}

// Hierarchy is a forest of series with its summing matrix. It is immutable.
type Hierarchy struct {
	ids    []string
	parent []int // index of the parent, -1 for a top node
	bottom []int // node indices of the bottom series, in node order
	s      *mat.Dense
}

// NewHierarchy builds a hierarchy from nodes in the order given (that order indexes
// forecasts). IDs must be unique and non-empty, every parent must be a node, and there must be
// no cycle; otherwise the error wraps ErrHierarchy and names the node.
func NewHierarchy(nodes []Node) (*Hierarchy, error) {
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%w: no nodes", ErrHierarchy)
	}
	idx := make(map[string]int, len(nodes))
	h := &Hierarchy{ids: make([]string, len(nodes)), parent: make([]int, len(nodes))}
	for i, n := range nodes {
		if n.ID == "" {
			return nil, fmt.Errorf("%w: node %d has an empty id", ErrHierarchy, i)
		}
		if _, dup := idx[n.ID]; dup {
			return nil, fmt.Errorf("%w: duplicate id %q", ErrHierarchy, n.ID)
		}
		idx[n.ID] = i
		h.ids[i] = n.ID
	}
	children := make([]int, len(nodes))
	for i, n := range nodes {
		h.parent[i] = -1
		if n.Parent == "" {
			continue
		}
		p, ok := idx[n.Parent]
		if !ok {
			return nil, fmt.Errorf("%w: parent %q of %q is not a node", ErrHierarchy, n.Parent, n.ID)
		}
		h.parent[i] = p
		children[p]++
	}
	for i := range nodes {
		// Walk up; more steps than nodes means a cycle.
		for p, steps := h.parent[i], 0; p >= 0; p, steps = h.parent[p], steps+1 {
			if steps > len(nodes) || p == i {
				return nil, fmt.Errorf("%w: %q is its own ancestor", ErrHierarchy, h.ids[i])
			}
		}
		if children[i] == 0 {
			h.bottom = append(h.bottom, i)
		}
	}
	h.s = mat.NewDense(len(nodes), len(h.bottom), nil)
	for k, b := range h.bottom {
		for i := b; i >= 0; i = h.parent[i] {
			h.s.Set(i, k, 1)
		}
	}
	return h, nil
}

// Len returns the number of nodes.
func (h *Hierarchy) Len() int { return len(h.ids) }

// IDs returns the node ids in order.
func (h *Hierarchy) IDs() []string { return append([]string(nil), h.ids...) }

// Bottom returns the indices of the bottom-level nodes (those without children), in order.
func (h *Hierarchy) Bottom() []int { return append([]int(nil), h.bottom...) }

// Summing returns a copy of the summing matrix S: S[i][k] is 1 if bottom series k is node i
// or one of its descendants, else 0.
func (h *Hierarchy) Summing() *mat.Dense { return mat.DenseCopyOf(h.s) }

// Parent returns the index of node i's parent, or -1 for a top node.
func (h *Hierarchy) Parent(i int) int { return h.parent[i] }

// toDense converts forecasts [node][period] to a nodes × periods matrix, panicking on a shape
// that does not match the hierarchy.
func (h *Hierarchy) toDense(y [][]float64, rows int) *mat.Dense {
	if len(y) != rows || rows == 0 || len(y[0]) == 0 {
		panic(fmt.Sprintf("reconcile: %d rows of forecasts, want %d", len(y), rows))
	}
	d := mat.NewDense(rows, len(y[0]), nil)
	for i, r := range y {
		if len(r) != len(y[0]) {
			panic(fmt.Sprintf("reconcile: row %d has %d periods, row 0 has %d", i, len(r), len(y[0])))
		}
		d.SetRow(i, r)
	}
	return d
}

func fromDense(d *mat.Dense) [][]float64 {
	r, _ := d.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = mat.Row(nil, i, d)
	}
	return out
}

// Aggregate returns S·b: every node's value from the bottom series' values b, indexed
// [bottom series][period] in the order of Bottom. It panics if b has the wrong shape.
func (h *Hierarchy) Aggregate(b [][]float64) [][]float64 {
	var y mat.Dense
	y.Mul(h.s, h.toDense(b, len(h.bottom)))
	return fromDense(&y)
}

// BottomUp reconciles base forecasts [node][period] by summing the bottom-level ones; the
// base forecasts of other nodes are ignored. It panics if base does not have a row per node.
func (h *Hierarchy) BottomUp(base [][]float64) [][]float64 {
	h.toDense(base, len(h.ids)) // shape check
	b := make([][]float64, len(h.bottom))
	for k, i := range h.bottom {
		b[k] = base[i]
	}
	return h.Aggregate(b)
}

// MinT reconciles base forecasts [node][period] with the minimum-trace projection
// ỹ = S(S'W⁻¹S)⁻¹S'W⁻¹ŷ for the error covariance W (nodes × nodes, positive definite). It
// panics on mismatched shapes and returns an error wrapping ErrCovariance if W or S'W⁻¹S is
// not positive definite.
func (h *Hierarchy) MinT(base [][]float64, W mat.Symmetric) ([][]float64, error) {
	n := len(h.ids)
	if W.SymmetricDim() != n {
		panic(fmt.Sprintf("reconcile: covariance is %d×%d, want %d×%d", W.SymmetricDim(), W.SymmetricDim(), n, n))
	}
	yhat := h.toDense(base, n)
	var cw mat.Cholesky
	if !cw.Factorize(W) {
		return nil, fmt.Errorf("%w: W is not positive definite", ErrCovariance)
	}
	var wiS mat.Dense // W⁻¹S
	if err := cw.SolveTo(&wiS, h.s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCovariance, err)
	}
	var stwis mat.Dense // S'W⁻¹S
	stwis.Mul(h.s.T(), &wiS)
	m := len(h.bottom)
	sym := mat.NewSymDense(m, nil)
	for i := 0; i < m; i++ {
		for j := i; j < m; j++ {
			sym.SetSym(i, j, 0.5*(stwis.At(i, j)+stwis.At(j, i)))
		}
	}
	var cm mat.Cholesky
	if !cm.Factorize(sym) {
		return nil, fmt.Errorf("%w: S'W⁻¹S is not positive definite", ErrCovariance)
	}
	var rhs mat.Dense // S'W⁻¹ŷ
	rhs.Mul(wiS.T(), yhat)
	var b mat.Dense
	if err := cm.SolveTo(&b, &rhs); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCovariance, err)
	}
	var y mat.Dense
	y.Mul(h.s, &b)
	return fromDense(&y), nil
}

// ShrinkCovariance estimates the covariance of forecast errors from in-sample one-step
// residuals [series][time] (all series the same length, no NaN) as R's hts package does for
// MinT(covariance = "shr"): the sample second moment Σ̂ = R'R/T (residuals taken to have mean
// zero) shrunk towards its diagonal D, W = λD + (1-λ)Σ̂, with the Schäfer & Strimmer (2005)
// intensity λ = Σ_{i≠j} Var(r̂_ij) / Σ_{i≠j} r̂_ij² computed on standardised residuals and
// clamped to [0, 1]. It returns W and λ, or an error wrapping ErrCovariance if fewer than two
// periods are given, a residual is not finite or a series has zero variance. It panics if the
// series differ in length.
func ShrinkCovariance(residuals [][]float64) (*mat.SymDense, float64, error) {
	n := len(residuals)
	if n == 0 {
		return nil, 0, fmt.Errorf("%w: no series", ErrCovariance)
	}
	T := len(residuals[0])
	if T < 2 {
		return nil, 0, fmt.Errorf("%w: %d residual periods, need at least 2", ErrCovariance, T)
	}
	x := mat.NewDense(T, n, nil)
	for j, r := range residuals {
		if len(r) != T {
			panic(fmt.Sprintf("reconcile: series %d has %d residuals, series 0 has %d", j, len(r), T))
		}
		for t, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, fmt.Errorf("%w: residual %d of series %d is %v", ErrCovariance, t, j, v)
			}
			x.Set(t, j, v)
		}
	}
	tf := float64(T)
	cov := mat.NewSymDense(n, nil)
	cov.SymOuterK(1/tf, x.T())
	sd := make([]float64, n)
	for j := range sd {
		sd[j] = math.Sqrt(cov.At(j, j))
		if sd[j] == 0 {
			return nil, 0, fmt.Errorf("%w: series %d has zero residual variance", ErrCovariance, j)
		}
	}
	xs := mat.NewDense(T, n, nil)
	xs2 := mat.NewDense(T, n, nil)
	for t := 0; t < T; t++ {
		for j := 0; j < n; j++ {
			v := x.At(t, j) / sd[j]
			xs.Set(t, j, v)
			xs2.Set(t, j, v*v)
		}
	}
	var c1, c2 mat.Dense
	c1.Mul(xs2.T(), xs2) // crossprod(xs²)
	c2.Mul(xs.T(), xs)   // crossprod(xs) = T·correlation
	var num, den float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				continue
			}
			c := c2.At(i, j)
			num += (c1.At(i, j) - c*c/tf) / (tf * (tf - 1))
			r := cov.At(i, j) / (sd[i] * sd[j])
			den += r * r
		}
	}
	lambda := 1.0
	if den > 0 {
		lambda = math.Max(0, math.Min(1, num/den))
	}
	w := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := (1 - lambda) * cov.At(i, j)
			if i == j {
				v = cov.At(i, i)
			}
			w.SetSym(i, j, v)
		}
	}
	return w, lambda, nil
}

// MinTShrink reconciles base forecasts [node][period] by MinT with the shrinkage covariance
// of the in-sample one-step residuals [node][time] (see ShrinkCovariance). It returns the
// reconciled forecasts and the shrinkage intensity λ.
func (h *Hierarchy) MinTShrink(base, residuals [][]float64) ([][]float64, float64, error) {
	if len(residuals) != len(h.ids) {
		panic(fmt.Sprintf("reconcile: %d residual series, want %d", len(residuals), len(h.ids)))
	}
	w, lambda, err := ShrinkCovariance(residuals)
	if err != nil {
		return nil, 0, err
	}
	y, err := h.MinT(base, w)
	return y, lambda, err
}

// MaxIncoherence returns the largest absolute difference between a node's value and the sum
// of its children's, over all parents and periods of y [node][period]: zero for coherent
// forecasts, up to rounding. It panics if y does not have a row per node.
func (h *Hierarchy) MaxIncoherence(y [][]float64) float64 {
	d := h.toDense(y, len(h.ids))
	_, periods := d.Dims()
	sums := make([][]float64, len(h.ids))
	hasChild := make([]bool, len(h.ids))
	for i, p := range h.parent {
		if p < 0 {
			continue
		}
		hasChild[p] = true
		if sums[p] == nil {
			sums[p] = make([]float64, periods)
		}
		for t := 0; t < periods; t++ {
			sums[p][t] += d.At(i, t)
		}
	}
	worst := 0.0
	for i := range h.ids {
		if !hasChild[i] {
			continue
		}
		for t := 0; t < periods; t++ {
			worst = math.Max(worst, math.Abs(d.At(i, t)-sums[i][t]))
		}
	}
	return worst
}
