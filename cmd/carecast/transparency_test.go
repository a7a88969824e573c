package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/carecast/carecast/transparency"
)

// getJSON decodes the JSON answer of GET base+path.
func getJSON(t *testing.T, base, path string) any {
	t.Helper()
	res, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.500s", path, res.StatusCode, b)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return v
}

func decode(t *testing.T, name, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s is not JSON: %v\n%.500s", name, err, s)
	}
	return v
}

// TestTransparencySameFromCLIAndAPI checks that `carecast transparency` prints exactly the
// record that a real server's GET /v1/transparency answers (Huma adds only the $schema link),
// and `carecast datasets cards --json` the cards of GET /v1/datasets/cards.
func TestTransparencySameFromCLIAndAPI(t *testing.T) {
	code, out, errOut := runCLI(t, "transparency")
	if code != exitOK {
		t.Fatalf("carecast transparency: exit %d: %s", code, errOut)
	}
	cli := decode(t, "carecast transparency", out)
	var rec transparency.Record
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.StandardVersion != "3.0" || rec.Tool != "carecast "+carecastVersion() || len(rec.ToBeCompleted) == 0 ||
		len(rec.DatasetCards) < 15 || rec.Tier2.ToolSpecification.ModelSpecification[0].ModelPerformance.Contest2018 == nil {
		t.Errorf("record: standard %s, tool %s, %d left, %d cards", rec.StandardVersion, rec.Tool, len(rec.ToBeCompleted), len(rec.DatasetCards))
	}

	base := startLoopbackServer(t)
	api, ok := getJSON(t, base, "/v1/transparency").(map[string]any)
	if !ok {
		t.Fatal("the API's record is not an object")
	}
	if s, _ := api["$schema"].(string); !strings.HasSuffix(s, "/schemas/Record.json") {
		t.Errorf("$schema %q", api["$schema"])
	}
	delete(api, "$schema")
	if !reflect.DeepEqual(cli, any(api)) {
		a, _ := json.Marshal(api)
		t.Errorf("the CLI and the API give different records:\nCLI %.800s\nAPI %.800s", out, a)
	}

	code, out, errOut = runCLI(t, "datasets", "cards", "--json")
	if code != exitOK {
		t.Fatalf("carecast datasets cards: exit %d: %s", code, errOut)
	}
	if !reflect.DeepEqual(decode(t, "carecast datasets cards", out), getJSON(t, base, "/v1/datasets/cards")) {
		t.Error("the CLI and the API give different dataset cards")
	}
	code, out, _ = runCLI(t, "datasets", "cards", "--json", "supply")
	one, _ := decode(t, "card", out).(map[string]any)
	api1, _ := getJSON(t, base, "/v1/datasets/cards/supply").(map[string]any)
	delete(api1, "$schema")
	if code != exitOK || !reflect.DeepEqual(one, api1) {
		t.Errorf("supply card: exit %d, CLI %v, API %v", code, one, api1)
	}
}

func TestTransparencyCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "atrs.json")
	code, out, errOut := runCLI(t, "transparency", "--out", path)
	if code != exitOK || !strings.Contains(out, "wrote the ATRS 3.0 record to "+path) {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil || !json.Valid(data) {
		t.Fatalf("%s: %v, valid JSON %v", path, err, json.Valid(data))
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"transparency", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"transparency", "--nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"transparency", "--data", filepath.Join(t.TempDir(), "none")}, exitFail, "carecast transparency:"},
		{[]string{"datasets", "cards", "nope"}, exitUsage, `no built-in dataset "nope"; want one of areas, population, projections`},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.msg)
		}
	}
	code, out, _ = runCLI(t, "datasets", "cards", "unit_costs")
	for _, want := range []string{"## unit_costs", "- Licence: Open Government Licence v3.0", "Contains public sector information licensed under the Open Government Licence v3.0.",
		"- File: unit_costs.parquet, 487 rows", "- Known quirks and limitations:"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("datasets cards unit_costs: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
}
