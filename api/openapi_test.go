package api

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestOpenAPIGolden compares the OpenAPI document with testdata/openapi.golden.json. After an
// intended API change, refresh it with `go test ./api -run TestOpenAPIGolden -update` and review
// the diff.
func TestOpenAPIGolden(t *testing.T) {
	got, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "openapi.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("OpenAPI document differs from %s; if the change is intended, run go test ./api -run TestOpenAPIGolden -update", golden)
	}
}
