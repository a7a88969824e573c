package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

const testdata = "../../datasets/testdata"

func TestDatasetsValidate(t *testing.T) {
	code, out, errOut := runCLI(t, "datasets", "validate", "--kind", "population", filepath.Join(testdata, "valid_population.parquet"))
	if code != exitOK || strings.Count(out, "\n") != 1 || !strings.Contains(out, "valid population, 364 rows, 2 areas") {
		t.Fatalf("valid file: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// An invalid file: exit 1 and every problem, each naming file, row and column.
	code, out, errOut = runCLI(t, "datasets", "validate", "--kind", "population", filepath.Join(testdata, "bad_values.parquet"))
	if code != exitFail || out != "" {
		t.Fatalf("invalid file: exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"bad_values.parquet: invalid", "row 5: column count: -5 is negative", "row 201: column area_code: area \"E06999999\" is not in the areas table", "[gap]"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	// The problem limit.
	code, _, errOut = runCLI(t, "datasets", "validate", "--kind", "population", "--max-problems", "2", filepath.Join(testdata, "bad_values.parquet"))
	if code != exitFail || !strings.Contains(errOut, "2 problem(s) (limit reached") {
		t.Fatalf("limit: exit %d, %s", code, errOut)
	}
	for _, f := range []string{"empty.parquet", "truncated.parquet", "corrupt.parquet", "renamed_column.parquet", "wrong_type.parquet"} {
		if code, _, errOut := runCLI(t, "datasets", "validate", "--kind", "population", filepath.Join(testdata, f)); code != exitFail || !strings.Contains(errOut, f) {
			t.Errorf("%s: exit %d, %s", f, code, errOut)
		}
	}
}

// The hostile files of datasets/testdata through the CLI: the row-count bomb is refused from its
// footer naming the row limit (and --max-rows moves the limit), the dictionary bomb's problems
// quote its 256 KiB area code cut to 64 characters.
func TestDatasetsValidateBombs(t *testing.T) {
	rows := filepath.Join(testdata, "bomb_rows.parquet")
	code, _, errOut := runCLI(t, "datasets", "validate", "--kind", "population", rows)
	if code != exitFail || !strings.Contains(errOut, "bomb_rows.parquet: the file holds 2097152 rows, more than the 1048576-row limit") {
		t.Fatalf("row bomb: exit %d, %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "datasets", "validate", "--kind", "population", "--max-rows", "1000", rows)
	if code != exitFail || !strings.Contains(errOut, "more than the 1000-row limit") {
		t.Fatalf("row bomb, --max-rows 1000: exit %d, %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "datasets", "validate", "--kind", "population", filepath.Join(testdata, "bomb_dict.parquet"))
	if code != exitFail || !strings.Contains(errOut, "… (262144 bytes) is not a GSS area code") || len(errOut) > 64<<10 {
		t.Fatalf("dictionary bomb: exit %d, %d bytes of stderr: %.1000s", code, len(errOut), errOut)
	}
}

func TestDatasetsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"datasets"},
		{"datasets", "validate"},
		{"datasets", "validate", "x.parquet"},
		{"datasets", "validate", "--kind", "nope", "x.parquet"},
		{"datasets", "validate", "--kind", "population", "a", "b"},
		{"datasets", "frobnicate"},
		{"datasets", "describe", "--bogus"},
		{"nonsense"},
		{},
	} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errOut := runCLI(t, "datasets", "validate", "--kind", "population", "missing.parquet"); code != exitFail || !strings.Contains(errOut, "missing.parquet") {
		t.Errorf("missing file: exit %d, %s", code, errOut)
	}
}

func TestDatasetsDescribeDefault(t *testing.T) {
	code, out, errOut := runCLI(t, "datasets", "describe")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`(\d+) councils with social services responsibilities, (\d+) districts, (\d+) regions, (\d+) country`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no coverage line in:\n%s", out)
	}
	councils, _ := strconv.Atoi(m[1])
	if councils < 150 || m[3] != "9" || m[4] != "1" {
		t.Fatalf("coverage: %s", m[0])
	}
	for _, want := range []string{"population.parquet (population)", "sha256 ", "Open Government Licence v3", "source: ONS 2018-based national population projections"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q", want)
		}
	}
	code, out, _ = runCLI(t, "datasets", "describe", filepath.Join(testdata, "valid_population.parquet"))
	if code != exitOK || !strings.Contains(out, "valid_population.parquet (population): 364 rows") {
		t.Fatalf("describe file: exit %d\n%s", code, out)
	}
}
