package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// updateCard reports whether -update was given. Other test files of this package may define
// the flag; it is defined here only if none has (package-level flag variables are set before
// init functions run).
func updateCard() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	v, _ := g.Get().(bool)
	return v
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

const modelCard = "../../docs/model-card.md"

func runBacktestCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"backtest"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// TestBacktestCommand runs `carecast backtest` on the default data (population and service
// back-tests), writing the table as CSV and Parquet and the model card, and checks that
// docs/model-card.md is what the back-tests give today (run `go test ./cmd/carecast -run TestBacktestCommand -update` to refresh it).
func TestBacktestCommand(t *testing.T) {
	dir := t.TempDir()
	csvPath, pqPath, card := filepath.Join(dir, "r.csv"), filepath.Join(dir, "r.parquet"), filepath.Join(dir, "card.md")
	code, out, errOut := runBacktestCLI("--out", csvPath, "--model-card", card)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Contest: people 60+ in 2020, from what was known in 2016, on 296 districts",
		"From 2011: districts", "Sensitivity of the contest", "Population error model", "Coverage of its 80% intervals out of sample",
		"Services: rolling origins, 13159 forecasts", "Widening of the engine's intervals", "wrote 21661 scored forecasts to " + csvPath} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	// 8,918 population rows (7,546 before the error model's four more age bands) and 13,159
	// service rows (13,258 before the 27 unrecorded meals zeros were left out of the data).
	if n := bytes.Count(data, []byte("\n")); n != 21662 {
		t.Errorf("CSV has %d lines, want 21,662 (a header and 21,661 rows: 17 fewer districts on April 2023 geography than the 22,077 on 2021)", n)
	}
	if !bytes.Contains(data, []byte("\nservices,E06000001,Hartlepool,council,service.residential,residents,all,18-64,2009,2010,1,")) {
		t.Error("CSV lacks the service rows")
	}
	got, err := os.ReadFile(card)
	if err != nil {
		t.Fatal(err)
	}
	if updateCard() {
		if err := os.WriteFile(modelCard, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(modelCard)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date: run go test ./cmd/carecast -run TestBacktestCommand -update", modelCard)
	}
	if code, _, errOut := runBacktestCLI("--out", pqPath); code != exitOK {
		t.Fatalf("parquet: exit %d: %s", code, errOut)
	}
	if data, err := os.ReadFile(pqPath); err != nil || !bytes.HasPrefix(data, []byte("PAR1")) {
		t.Errorf("parquet file: %v", err)
	}
}

func TestBacktestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--out", "r.xlsx"}, exitUsage, "want a .csv or .parquet file"},
		{[]string{"--no-such-flag"}, exitUsage, "flag provided but not defined"},
		{[]string{"extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"--data", filepath.Join(t.TempDir(), "missing")}, exitFail, "carecast backtest:"},
		{[]string{"-h"}, exitOK, "Usage: carecast backtest"},
	} {
		code, _, errOut := runBacktestCLI(c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.msg)
		}
	}
	code, _, errOut := runBacktestCLI("--model-card", filepath.Join(t.TempDir(), "no", "such", "dir", "card.md"))
	if code != exitFail || !strings.Contains(errOut, "model card") {
		t.Errorf("unwritable card: exit %d, %q", code, errOut)
	}
}
