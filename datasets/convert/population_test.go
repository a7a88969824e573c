package convert

import (
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
)

// TestCheckOldestWomen checks the build's guard on sex coding with England's mid-2021 90+
// (women 344,453, men 164,983; ages 85-89 left out): the right way round passes, swapped fails
// naming the year, and projections are not checked.
func TestCheckOldestWomen(t *testing.T) {
	row := func(kind, sex string, v float64) datasets.Population {
		return datasets.Population{AreaCode: "E92000001", Year: 2021, Sex: sex, Age: 90, Count: v, Kind: kind}
	}
	if err := checkOldestWomen([]datasets.Population{row("estimate", "female", 344453), row("estimate", "male", 164983)}); err != nil {
		t.Fatal(err)
	}
	err := checkOldestWomen([]datasets.Population{row("estimate", "female", 164983), row("estimate", "male", 344453)})
	if err == nil || !strings.Contains(err.Error(), "2021 have 164983 women and 344453 men") {
		t.Fatalf("swapped sexes: %v", err)
	}
	if err := checkOldestWomen([]datasets.Population{row("projection", "female", 1), row("projection", "male", 2)}); err != nil {
		t.Fatalf("projections are exempt: %v", err)
	}
	for code, want := range map[string]string{"1": "female", "2": "male"} {
		if got, err := femaleFirstSex(code); got != want || err != nil {
			t.Errorf("femaleFirstSex(%q) = %q, %v", code, got, err)
		}
	}
	if _, err := femaleFirstSex("M"); err == nil {
		t.Error("femaleFirstSex accepted M")
	}
}
