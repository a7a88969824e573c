package timeseries

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// TestDocListsMethods keeps the package documentation honest: its list of methods names every
// Method, in the order of Methods, with the observations each needs (Method.MinLength).
func TestDocListsMethods(t *testing.T) {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	item := regexp.MustCompile(`(?m)^//   - ([a-z]+) \((\d+)\): `)
	var listed []Method
	for _, m := range item.FindAllStringSubmatch(string(b), -1) {
		method, err := ParseMethod(m[1])
		if err != nil {
			t.Errorf("doc.go lists %q: %v", m[1], err)
			continue
		}
		listed = append(listed, method)
		if n, _ := strconv.Atoi(m[2]); n != method.MinLength() {
			t.Errorf("doc.go says %s needs %d observations; MinLength is %d", method, n, method.MinLength())
		}
	}
	if !slices.Equal(listed, Methods()) {
		t.Errorf("doc.go lists %v; Methods() is %v", listed, Methods())
	}
}
