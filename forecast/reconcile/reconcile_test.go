package reconcile

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// small is Total → {A, B}, A → {A1, A2}.
func small(t *testing.T) *Hierarchy {
	t.Helper()
	h, err := NewHierarchy([]Node{{"Total", ""}, {"A", "Total"}, {"B", "Total"}, {"A1", "A"}, {"A2", "A"}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestNewHierarchy(t *testing.T) {
	h := small(t)
	if h.Len() != 5 || len(h.Bottom()) != 3 || h.Parent(3) != 1 || h.Parent(0) != -1 {
		t.Fatalf("len %d bottom %v", h.Len(), h.Bottom())
	}
	want := mat.NewDense(5, 3, []float64{
		1, 1, 1, // Total
		0, 1, 1, // A = A1 + A2
		1, 0, 0, // B
		0, 1, 0, // A1
		0, 0, 1, // A2
	})
	if !mat.Equal(h.Summing(), want) {
		t.Errorf("S =\n%v", mat.Formatted(h.Summing()))
	}
	for name, nodes := range map[string][]Node{
		"empty":      nil,
		"empty id":   {{"", ""}},
		"duplicate":  {{"a", ""}, {"a", ""}},
		"no parent":  {{"a", "z"}},
		"cycle":      {{"a", "b"}, {"b", "a"}},
		"self cycle": {{"a", "a"}},
	} {
		if _, err := NewHierarchy(nodes); !errors.Is(err, ErrHierarchy) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestBottomUp(t *testing.T) {
	h := small(t)
	base := [][]float64{{100, 0}, {60, 0}, {5, 6}, {1, 2}, {3, 4}}
	got := h.BottomUp(base)
	want := [][]float64{{9, 12}, {4, 6}, {5, 6}, {1, 2}, {3, 4}}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("BottomUp = %v, want %v", got, want)
			}
		}
	}
	if base[0][0] != 100 {
		t.Error("input modified")
	}
	if d := h.MaxIncoherence(got); d != 0 {
		t.Errorf("incoherence %g", d)
	}
	if d := h.MaxIncoherence(base); d != 56 {
		t.Errorf("incoherence of base %g, want A - (A1 + A2) = 60 - 4 = 56", d)
	}
}

// Residuals and base forecasts for the small hierarchy; the expected numbers come from R 4.2.2
// running hts 6.0's shrink.estim (copied verbatim) and the MinT formula
// S %*% solve(t(S) %*% solve(W) %*% S) %*% t(S) %*% solve(W) %*% yhat.
var (
	smallResid = [][]float64{ // [node][time]: Total, A, B, A1, A2
		{1.2, -0.5, 0.3, 0.8, -1.1, 0.4},
		{0.7, -0.2, 0.1, 0.5, -0.6, 0.1},
		{0.5, -0.3, 0.2, 0.3, -0.5, 0.3},
		{0.4, 0.1, -0.2, 0.3, -0.4, 0.2},
		{0.3, -0.3, 0.3, 0.2, -0.2, -0.1},
	}
	smallBase = [][]float64{{10, 11}, {6.5, 7}, {3.2, 3.5}, {3.1, 3.6}, {3.0, 3.2}}
)

func TestShrinkCovarianceAgainstR(t *testing.T) {
	w, lambda, err := ShrinkCovariance(smallResid)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(lambda-0.195562175567742) > 1e-14 {
		t.Errorf("lambda %.15g, R 0.195562175567742", lambda)
	}
	want := [][]float64{
		{0.631666666666667, 0.2775310494291292, 0.2306055096705807, 0.1515024569347420, 0.1260285924943871},
		{0.277531049429129, 0.1933333333333334, 0.1220064033722258, 0.0871474309801613, 0.0683772150767420},
		{0.230605509670581, 0.1220064033722258, 0.1350000000000000, 0.0643550259545807, 0.0576513774176452},
		{0.151502456934742, 0.0871474309801613, 0.0643550259545807, 0.0833333333333334, 0.0201109456108065},
		{0.126028592494387, 0.0683772150767420, 0.0576513774176452, 0.0201109456108065, 0.0600000000000000},
	}
	for i := range want {
		for j := range want[i] {
			if math.Abs(w.At(i, j)-want[i][j]) > 1e-14 {
				t.Errorf("W[%d][%d] = %.15g, R %.15g", i, j, w.At(i, j), want[i][j])
			}
		}
	}
	if _, _, err := ShrinkCovariance([][]float64{{1}, {2}}); !errors.Is(err, ErrCovariance) {
		t.Errorf("one period: err = %v", err)
	}
	if _, _, err := ShrinkCovariance([][]float64{{1, 2}, {0, 0}}); !errors.Is(err, ErrCovariance) {
		t.Errorf("zero variance: err = %v", err)
	}
	if _, _, err := ShrinkCovariance([][]float64{{1, math.NaN()}}); !errors.Is(err, ErrCovariance) {
		t.Errorf("NaN: err = %v", err)
	}
}

func TestMinTShrinkAgainstR(t *testing.T) {
	h := small(t)
	got, lambda, err := h.MinTShrink(smallBase, smallResid)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{
		{9.60588361063598, 10.54253032187840},
		{6.32165293111491, 6.94475975742497},
		{3.28423067952106, 3.59777056445342},
		{3.22886798320634, 3.68416264966568},
		{3.09278494790857, 3.26059710775929},
	}
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > 1e-12 {
				t.Errorf("ỹ[%d][%d] = %.15g, R %.15g", i, j, got[i][j], want[i][j])
			}
		}
	}
	if lambda <= 0 || lambda >= 1 {
		t.Errorf("lambda %g", lambda)
	}
	if d := h.MaxIncoherence(got); d > 1e-12 {
		t.Errorf("incoherence %g", d)
	}
	// MinT is a projection: coherent forecasts come back unchanged.
	again, _, err := h.MinTShrink(got, smallResid)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		for j := range got[i] {
			if math.Abs(again[i][j]-got[i][j]) > 1e-12 {
				t.Fatalf("not a projection: %v then %v", got, again)
			}
		}
	}
}

func TestMinTErrorsAndPanics(t *testing.T) {
	h := small(t)
	if _, err := h.MinT(smallBase, mat.NewSymDense(5, nil)); !errors.Is(err, ErrCovariance) {
		t.Errorf("zero W: err = %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("wrong shape did not panic")
		}
	}()
	h.BottomUp(smallBase[:4])
}
