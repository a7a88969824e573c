package reconcile

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestDocListsMethods keeps the package documentation honest: its list of reconciliation
// methods is exactly the Hierarchy methods that take base forecasts (a first parameter named
// base), in the order they are defined.
func TestDocListsMethods(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "reconcile.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var methods []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || !fd.Name.IsExported() || len(fd.Type.Params.List) == 0 {
			continue
		}
		if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); !ok || star.X.(*ast.Ident).Name != "Hierarchy" {
			continue
		}
		if fd.Type.Params.List[0].Names[0].Name == "base" {
			methods = append(methods, fd.Name.Name)
		}
	}
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range regexp.MustCompile(`(?m)^//   - ([A-Za-z]+): `).FindAllStringSubmatch(string(b), -1) {
		listed = append(listed, m[1])
	}
	if len(methods) == 0 || !slices.Equal(listed, methods) {
		t.Errorf("doc.go lists %v; the reconciliation methods are %v", listed, methods)
	}
}
