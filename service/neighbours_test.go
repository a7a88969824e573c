package service_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

const (
	leeds     = "E08000035"
	sheffield = "E08000019"
)

func names(ns []service.Neighbour) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Name)
	}
	return out
}

func codes(ns []service.Neighbour) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Code)
	}
	return out
}

// TestNeighboursOnDefaultData checks the neighbours of the default data: no council is its own,
// distances come sorted, the answer is the same every time, Leeds and Sheffield are each
// other's, and the councils formed since 2019 (no IDAOPI) say what is missing.
func TestNeighboursOnDefaultData(t *testing.T) {
	c, err := service.Default()
	if err != nil {
		t.Fatal(err)
	}
	var councils []string
	for _, a := range c.Inputs.Areas {
		if a.IsCouncil() && a.ValidTo == "" {
			councils = append(councils, a.Code)
		}
	}
	if len(councils) != 153 {
		t.Fatalf("%d councils in force, want 153", len(councils))
	}
	for _, code := range councils {
		s, err := c.Neighbours(code, 15)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Neighbours) != 15 {
			t.Errorf("%s: %d neighbours", code, len(s.Neighbours))
		}
		for i, n := range s.Neighbours {
			if n.Code == code {
				t.Errorf("%s is its own neighbour", code)
			}
			if i > 0 && n.Distance < s.Neighbours[i-1].Distance {
				t.Errorf("%s: distances not sorted at %d", code, i)
			}
			if !(n.Distance > 0) || math.IsInf(n.Distance, 0) {
				t.Errorf("%s: distance to %s is %g", code, n.Code, n.Distance)
			}
		}
		again, _ := c.Neighbours(code, 15)
		if !slices.Equal(codes(again.Neighbours), codes(s.Neighbours)) {
			t.Errorf("%s: neighbours differ between calls", code)
		}
		if ten, _ := c.Neighbours(code, 0); !slices.Equal(codes(ten.Neighbours), codes(s.Neighbours[:10])) {
			t.Errorf("%s: the default 10 are not the first 10 of 15", code)
		}
	}

	// Leeds: a big, middling-deprived city whose nearest are other cities and urban
	// unitaries of much its age structure and deprivation. Sheffield is among them (and Leeds
	// among Sheffield's); Bradford, Manchester and Birmingham are not in the ten, being
	// younger and more deprived (IMD 2019 average scores 34.7, 40.0 and 38.1 against Leeds's
	// 27.3), and there is no rurality or density in the features to pull the big cities
	// together.
	l, _ := c.Neighbours(leeds, 10)
	sh, _ := c.Neighbours(sheffield, 10)
	if !slices.Contains(codes(l.Neighbours), sheffield) || !slices.Contains(codes(sh.Neighbours), leeds) {
		t.Errorf("Leeds and Sheffield should be each other's neighbours: Leeds %v; Sheffield %v", names(l.Neighbours), names(sh.Neighbours))
	}
	for _, far := range []string{"E08000032", "E08000003", "E08000025"} { // Bradford, Manchester, Birmingham
		if slices.Contains(codes(l.Neighbours), far) {
			t.Errorf("Leeds's neighbours %v include %s", names(l.Neighbours), far)
		}
	}
	t.Logf("Leeds: %v", names(l.Neighbours))
	t.Logf("Sheffield: %v", names(sh.Neighbours))
	if len(l.Missing) != 0 || len(l.Neighbours[0].Compared) != len(service.NeighbourFeatures) {
		t.Errorf("Leeds has every feature: missing %v, compared %v", l.Missing, l.Neighbours[0].Compared)
	}

	// North Yorkshire (2023) has no IDAOPI: it says so and is compared on four features.
	ny, err := c.Neighbours("E06000065", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ny.Missing) != 1 || ny.Council.Has(4) || len(ny.Neighbours[0].Compared) != 4 {
		t.Errorf("North Yorkshire: missing %v, compared %v", ny.Missing, ny.Neighbours[0].Compared)
	}

	// A district is not a council; an unknown code is not found; k is bounded.
	if _, err := c.Neighbours("E07000163", 10); err == nil || !isPublic(err) {
		t.Errorf("a district: %v", err)
	}
	if _, err := c.Neighbours("E06999999", 10); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}
	if _, err := c.Neighbours(leeds, 31); err == nil {
		t.Error("31 neighbours allowed")
	}
}

// TestNearestNeighboursSmall checks the distance on a hand-made table: z-scores, ties by code,
// and the rescaling for a feature one council lacks.
func TestNearestNeighboursSmall(t *testing.T) {
	nan := math.NaN()
	f := func(code string, v ...float64) service.Features {
		return service.Features{Code: code, Name: code, Values: v}
	}
	all := []service.Features{
		f("A", 0, 0, 0, 0, 0),
		f("B", 1, 1, 1, 1, 1),
		f("C", -1, -1, -1, -1, -1),
		f("D", 0, 0, 0, 0, nan),
	}
	got := service.NearestNeighbours(all, 3)
	// Every feature of A, B, C has mean 0 and sd √(2/3) (D adds a 0 to the first four: sd
	// √(2/4)). A to D: 0 on four features. B and C are equally far from A: B first by code.
	if c := codes(got["A"]); !slices.Equal(c, []string{"D", "B", "C"}) {
		t.Errorf("A's neighbours %v", c)
	}
	sd4, sd5 := math.Sqrt(0.5), math.Sqrt(2.0/3)
	want := math.Sqrt(4/(sd4*sd4) + 1/(sd5*sd5))
	if d := got["A"][1].Distance; math.Abs(d-want) > 1e-12 {
		t.Errorf("A to B %g, want %g", d, want)
	}
	// D to B: four features, scaled by 5/4.
	wantDB := math.Sqrt(4 / (sd4 * sd4) * 5 / 4)
	if d := got["D"][0].Distance; got["D"][0].Code != "A" || math.Abs(got["D"][1].Distance-wantDB) > 1e-12 {
		t.Errorf("D's neighbours %v, D to B %g (want %g), D to A %g", codes(got["D"]), got["D"][1].Distance, wantDB, d)
	}
}

func isPublic(err error) bool {
	_, ok := service.PublicMessage(err)
	return ok
}
