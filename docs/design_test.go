package docs

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDesignCitations fails when a file of the repository cites a DESIGN.md (the design lives in
// docs/design.md, in the repository), or cites a section of docs/design.md that the file does
// not have.
func TestDesignCitations(t *testing.T) {
	sections := map[string]bool{}
	f, err := os.Open("design.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := regexp.MustCompile(`^## (\d+)\. `)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := head.FindStringSubmatch(sc.Text()); m != nil {
			sections[m[1]] = true
		}
	}
	if len(sections) < 12 {
		t.Fatalf("design.md has %d numbered sections; want the 12 the code cites", len(sections))
	}

	cite := regexp.MustCompile(`docs/design\.md (?:§|section )(\d+)`)
	root := ".."
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "testoutput", "defaultdata", "raw", "node_modules", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		ext := filepath.Ext(path)
		if ext != ".go" && ext != ".md" && ext != ".sh" && ext != ".ipynb" && d.Name() != "Makefile" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "DESIGN.md") && rel != filepath.Join("docs", "design_test.go") {
				t.Errorf("%s:%d cites DESIGN.md, which is not in the repository: cite docs/design.md §N", rel, i+1)
			}
			for _, m := range cite.FindAllStringSubmatch(line, -1) {
				if !sections[m[1]] {
					t.Errorf("%s:%d cites docs/design.md §%s, which does not exist", rel, i+1, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
