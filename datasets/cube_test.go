package datasets

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The cube read shares Read's checks: a bad file gives the very same problems either way.
func TestCubeSameProblemsAsRead(t *testing.T) {
	for _, name := range []string{"bad_values.parquet"} {
		data := readTestdata(t, name)
		opts := ReadOptions{Name: name, KnownAreas: knownTestAreas}
		_, rerr := Read[Population](data, opts)
		_, cerr := ReadPopulationCube(data, opts, nil)
		if rerr == nil || cerr == nil || rerr.Error() != cerr.Error() {
			t.Errorf("%s: Read says\n%v\nReadPopulationCube says\n%v", name, rerr, cerr)
		}
	}
	rows := validPopulation()
	rows = append(rows, rows[3]) // a duplicate, out of order
	data := encode(t, rows)
	_, rerr := Read[Population](data, ReadOptions{})
	_, cerr := ReadPopulationCube(data, ReadOptions{}, nil)
	if rerr == nil || cerr == nil || rerr.Error() != cerr.Error() {
		t.Errorf("duplicate: Read says %v; ReadPopulationCube says %v", rerr, cerr)
	}
}

// A valid file's cube holds every row's count in its area, year, sex and age, and the sources.
func TestCubeHoldsEveryRow(t *testing.T) {
	rows := validPopulation()
	rows[5].Source = "other"
	cube, err := ReadPopulationCube(encode(t, rows), ReadOptions{KnownAreas: knownTestAreas}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cube.Rows != len(rows) || len(cube.Cells) != 2 || fmt.Sprint(cube.Sources) != "[other test]" {
		t.Fatalf("cube of %d rows, %d areas, sources %v", cube.Rows, len(cube.Cells), cube.Sources)
	}
	for _, r := range rows {
		if got := cube.Cells[r.AreaCode][int(r.Year)][sexIndex(r.Sex)][r.Age]; got != r.Count {
			t.Fatalf("%+v: cube holds %v", r, got)
		}
	}
	if !reflect.DeepEqual(NewPopulationCube(rows), cube) {
		t.Error("NewPopulationCube and ReadPopulationCube disagree")
	}
}

// accept's first refusal fails the read, naming the row.
func TestCubeAccept(t *testing.T) {
	rows := validPopulation()
	_, err := ReadPopulationCube(encode(t, rows), ReadOptions{Name: "p.parquet"}, func(r *Population) error {
		if r.AreaCode == "E06000002" {
			return errors.New("not this area")
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "p.parquet: row 183: not this area") {
		t.Fatalf("got %v", err)
	}
}

// A sorted file whose every area-year lacks the same age has runs of one length, but not 182:
// the grid check still runs and names each gap.
func TestSortedUniformGap(t *testing.T) {
	var rows []Population
	for _, r := range validPopulation() {
		if r.Age != 7 {
			rows = append(rows, r)
		}
	}
	_, err := Read[Population](encode(t, rows), ReadOptions{})
	ps := problemsOf(t, err)
	if len(ps) != 2 || ps[0].Rule != RuleGap || !strings.Contains(ps[0].Message, "E06000001") || !strings.Contains(ps[1].Message, "E06000002") {
		t.Fatalf("got %v", err)
	}
}
