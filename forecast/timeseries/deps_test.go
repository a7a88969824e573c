package timeseries

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoForbiddenDependencies enforces docs/design.md §10: the model knows nothing of HTTP or file
// formats, so neither forecast/timeseries nor forecast/reconcile may depend, even indirectly,
// on net/http, Huma, parquet-go or Arrow.
func TestNoForbiddenDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goBin, "list", "-deps", "github.com/carecast/carecast/forecast/timeseries", "github.com/carecast/carecast/forecast/reconcile").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{"net/http", "github.com/danielgtaylor/huma", "github.com/parquet-go", "github.com/apache/arrow"} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("depends on %s", dep)
			}
		}
	}
}
