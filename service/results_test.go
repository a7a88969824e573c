package service

import (
	"fmt"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
)

// TestUnknownValueMessageLongList: a long list of known values is cut to a few, with the count
// and the operation that lists them all.
func TestUnknownValueMessageLongList(t *testing.T) {
	var areas []string
	for i := range 150 {
		areas = append(areas, fmt.Sprintf("E06%06d", i))
	}
	msg := UnknownValueMessage("run_x", datasets.UnknownValue{Field: "area", Value: "E09999999", Known: areas})
	for _, s := range []string{`area "E09999999"`, "150 areas", "E06000000, E06000001", "GET /v1/runs/run_x/results/values"} {
		if !strings.Contains(msg, s) {
			t.Errorf("%q lacks %q", msg, s)
		}
	}
	if strings.Contains(msg, areas[knownExamples]) {
		t.Errorf("%q lists more than %d areas", msg, knownExamples)
	}
	short := UnknownValueMessage("run_x", datasets.UnknownValue{Field: "sex", Value: "persons", Known: []string{"all", "female", "male"}})
	if !strings.HasSuffix(short, "the known sexes are all, female, male") {
		t.Errorf("%q", short)
	}
}
