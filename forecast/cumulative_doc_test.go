package forecast

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestEndDocExample checks the worked example in the JSON Schema doc of a lever's end year
// against Lever.Cumulative: each "reached in full by E gives about X% by Y and Z% by W" must
// print the function's figures rounded to one decimal.
func TestEndDocExample(t *testing.T) {
	f, _ := reflect.TypeFor[LeverSpec]().FieldByName("End")
	doc := f.Tag.Get("doc")
	const example = "-1% a year from 2025, linear"
	if !regexp.MustCompile(regexp.QuoteMeta(example)).MatchString(doc) {
		t.Fatalf("end doc lacks %q: %s", example, doc)
	}
	re := regexp.MustCompile(`reached in full by (\d{4}) gives about (-?[0-9.]+)% by (\d{4}) and (-?[0-9.]+)% by (\d{4})`)
	ms := re.FindAllStringSubmatch(doc, -1)
	if len(ms) != 2 {
		t.Fatalf("end doc: want two worked figures, found %d: %s", len(ms), doc)
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, m := range ms {
		l := Lever{Value: -1, Start: 2025, End: atoi(m[1]), Profile: Linear}
		for _, p := range [][2]string{{m[2], m[3]}, {m[4], m[5]}} {
			want := fmt.Sprintf("%.1f", 100*(l.Cumulative(DefaultBaseYear, atoi(p[1]))-1))
			if p[0] != want {
				t.Errorf("end doc: reached in full by %s, %s%% by %s; Cumulative gives %s%%", m[1], p[0], p[1], want)
			}
		}
	}
}

// TestDocsExample checks the worked example in docs/design.md §4 and the README against
// Lever.Cumulative: −1% a year from 2025, linear, reached in full by 2045 or by 2026.
func TestDocsExample(t *testing.T) {
	pct := func(end, year int) string {
		l := Lever{Value: -1, Start: 2025, End: end, Profile: Linear}
		return strings.Replace(fmt.Sprintf("%.1f%%", 100*(l.Cumulative(DefaultBaseYear, year)-1)), "-", "−", 1)
	}
	for file, want := range map[string][]string{
		"../docs/design.md": {"about " + pct(2045, 2035), "(" + pct(2045, 2045) + " by 2045)", "about " + pct(2026, 2035) + " by 2035", "(" + pct(2026, 2045) + " by 2045)"},
		"../README.md":      {"is about " + pct(2045, 2035) + " by 2035", "about " + pct(2026, 2035)},
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(b)), " ")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the worked example lacks %q", file, w)
			}
		}
	}
}
