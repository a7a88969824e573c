package backtest

import (
	"strings"
	"testing"
)

func TestSuccessor(t *testing.T) {
	inForce := map[string]bool{"C": true, "X": true}
	succ := map[string]string{"A": "B", "B": "C", "L1": "L2", "L2": "L1", "D": "E"}
	for _, c := range []struct{ code, want, err string }{
		{"X", "X", ""}, {"B", "C", ""}, {"A", "C", ""},
		{"L1", "", "loops"}, {"D", "", "successor E is not in force"}, {"Z", "", "not in force and has no successor"},
	} {
		got, err := Successor(c.code, succ, inForce)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Successor(%s): error %v, want one saying %q", c.code, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Successor(%s) = %s, %v; want %s", c.code, got, err, c.want)
		}
	}
}

// TestToSuccessorsExact merges whole areas: each successor is exactly the sum of its
// predecessors (the values are binary fractions, so any order of summation is exact), areas in
// force pass through, and the grand total is kept.
func TestToSuccessorsExact(t *testing.T) {
	inForce := map[string]bool{"N1": true, "N2": true, "K": true}
	succ := map[string]string{"P1": "N1", "P2": "N1", "P3": "N1", "Q1": "N2", "Q2": "N2"}
	in := map[string]float64{"P1": 1.5, "P2": 2.25, "P3": 0.125, "Q1": 10, "Q2": 20.5, "K": 7}
	out, err := ToSuccessors(in, succ, inForce)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"N1": 3.875, "N2": 30.5, "K": 7}
	if len(out) != len(want) {
		t.Fatalf("got %v, want %v", out, want)
	}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s = %v, want %v", k, out[k], v)
		}
	}
	if in["P1"] != 1.5 || len(in) != 6 {
		t.Error("ToSuccessors modified its input")
	}
	if _, err := ToSuccessors(map[string]float64{"Z": 1}, succ, inForce); err == nil {
		t.Error("an unplaceable code gave no error")
	}
}

// TestRollUp sums districts to every level above them, and leaves out an ancestor any of whose
// districts lacks a value.
func TestRollUp(t *testing.T) {
	d := &Data{Areas: []Area{
		{Code: "E", Level: LevelCountry}, {Code: "R1", Level: LevelRegion, Parent: "E"}, {Code: "R2", Level: LevelRegion, Parent: "E"},
		{Code: "C", Level: LevelCounty, Parent: "R1"}, {Code: "D1", Level: LevelDistrict, Parent: "C"},
		{Code: "D2", Level: LevelDistrict, Parent: "C"}, {Code: "D3", Level: LevelDistrict, Parent: "R1"},
		{Code: "D4", Level: LevelDistrict, Parent: "R2"},
	}}
	ix, err := newIndex(d)
	if err != nil {
		t.Fatal(err)
	}
	got := ix.rollUp(series{"D1": 1, "D2": 2, "D3": 4, "D4": 8})
	for k, v := range map[string]float64{"D1": 1, "D2": 2, "D3": 4, "D4": 8, "C": 3, "R1": 7, "R2": 8, "E": 15} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	got = ix.rollUp(series{"D1": 1, "D3": 4, "D4": 8})
	for _, k := range []string{"C", "R1", "E"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s has a value though D2 has none", k)
		}
	}
	if got["R2"] != 8 {
		t.Errorf("R2 = %v, want 8", got["R2"])
	}

	bad := &Data{Areas: []Area{{Code: "D", Level: LevelDistrict, Parent: "Q"}}}
	if _, err := newIndex(bad); err == nil {
		t.Error("a parent that is not an area gave no error")
	}
	loop := &Data{Areas: []Area{{Code: "D", Level: LevelDistrict, Parent: "C"}, {Code: "C", Level: LevelCounty, Parent: "R"}, {Code: "R", Level: LevelRegion, Parent: "C"}}}
	if _, err := newIndex(loop); err == nil {
		t.Error("a loop of parents gave no error")
	}
}
