package web_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/carecast/carecast/web"
)

// TestDocListsRoutes keeps the package documentation honest: the paths its Pages section
// names are exactly those of Routes (static files aside).
func TestDocListsRoutes(t *testing.T) {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start, end := strings.Index(doc, "// # Pages"), strings.Index(doc, "// # What the pages call")
	if start < 0 || end < start {
		t.Fatal("doc.go has no Pages section")
	}
	var documented []string
	section := regexp.MustCompile(`(?m)^//`).ReplaceAllString(doc[start:end], "")
	for _, m := range regexp.MustCompile(`(?:^|[\s,(])(/[A-Za-z0-9_.{}/$-]*)`).FindAllStringSubmatch(section, -1) {
		p := m[1]
		if strings.HasPrefix(p, "/v1/") {
			continue // the API's paths, which the pages forward to
		}
		if !slices.Contains(documented, p) {
			documented = append(documented, p)
		}
	}
	var routes []string
	for _, r := range web.Routes {
		_, p, _ := strings.Cut(r, " ")
		if p == "/static/" {
			continue
		}
		p = strings.TrimSuffix(p, "{$}")
		if !slices.Contains(routes, p) {
			routes = append(routes, p)
		}
	}
	slices.Sort(documented)
	slices.Sort(routes)
	if !slices.Equal(documented, routes) {
		t.Errorf("doc.go's Pages section names %v;\nRoutes has %v", documented, routes)
	}
}
