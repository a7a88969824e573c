package service

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayers enforces the layering of docs/design.md §10 on every package, through `go list
// -deps` (indirect imports count): the model (forecast/...) knows nothing of data files,
// storage, HTTP or the faces; datasets knows nothing of the service or the faces;
// transparency (the ATRS record) knows only the model's back-test reports; the service
// imports no face; the pages and the store do not import the API.
func TestLayers(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	const mod = "github.com/carecast/carecast/"
	rules := []struct {
		pkgs      string
		forbidden []string // import paths; a path ending in "/..." forbids the tree
	}{
		{"./../forecast/...", []string{mod + "datasets/...", mod + "service/...", mod + "api/...", mod + "cmd/...",
			"net/http", "github.com/danielgtaylor/huma/...", "github.com/parquet-go/...", "github.com/apache/arrow-go/..."}},
		{"./../datasets/...", []string{mod + "service/...", mod + "api/...", mod + "cmd/...", mod + "transparency/..."}},
		// The ATRS record takes the back-test reports and dataset cards as inputs: no data
		// files, storage, HTTP or faces.
		{"./../transparency/...", []string{mod + "datasets/...", mod + "service/...", mod + "api/...", mod + "web/...", mod + "cmd/...", mod + "store/...",
			"net/http", "github.com/danielgtaylor/huma/...", "github.com/parquet-go/...", "github.com/apache/arrow-go/..."}},
		{".", []string{mod + "api/...", mod + "web/...", mod + "cmd/..."}},
		{"./../web/...", []string{mod + "api/...", mod + "cmd/..."}},
		{"./../store/...", []string{mod + "api/...", mod + "web/...", mod + "service/...", mod + "cmd/..."}},
	}
	for _, r := range rules {
		out, err := exec.Command(goBin, "list", "-f", `{{.ImportPath}}:{{join .Deps " "}}`, r.pkgs).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", r.pkgs, err)
		}
		n := 0
		for line := range strings.Lines(string(out)) {
			pkg, deps, _ := strings.Cut(strings.TrimSpace(line), ":")
			n++
			for _, dep := range strings.Fields(deps) {
				for _, bad := range r.forbidden {
					tree, isTree := strings.CutSuffix(bad, "/...")
					if dep == bad || isTree && (dep == tree || strings.HasPrefix(dep, tree+"/")) {
						t.Errorf("%s imports %s", pkg, dep)
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no packages listed", r.pkgs)
		}
	}
}
