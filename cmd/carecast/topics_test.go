package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/carecast/carecast/service"
)

// sharedTopics loads the default data once for the topics tests.
var sharedTopics = sync.OnceValues(func() (*service.Carecast, error) { return service.Default() })

func init() {
	topicsSource = func() (topicsData, error) { return sharedTopics() }
}

// getBody is the answer of GET base+path, which must be 200 with the content type.
func getBody(t *testing.T, base, path, contentType string) []byte {
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
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, contentType) {
		t.Fatalf("GET %s: Content-Type %q, want %s", path, ct, contentType)
	}
	return b
}

// xlsxCells reads every sheet of a workbook as rows of cell text.
func xlsxCells(t *testing.T, name string, b []byte) map[string][][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s does not open as a workbook: %v", name, err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatalf("%s sheet %s: %v", name, sh, err)
		}
		out[sh] = rows
	}
	return out
}

// TestTopicsSameFromCLIAndAPI checks that `carecast topics` lists the topics of GET /v1/topics
// with their studies, and that `carecast topics falls --area E10000032 …` writes exactly the
// CSV, and a workbook with the same cells, as GET /v1/topics/falls?area=E10000032&format=…
// answers on a real server (both are service.TopicTable).
func TestTopicsSameFromCLIAndAPI(t *testing.T) {
	base := startLoopbackServer(t)

	code, out, errOut := runCLI(t, "topics")
	if code != exitOK {
		t.Fatalf("carecast topics: exit %d: %s", code, errOut)
	}
	list, _ := getJSON(t, base, "/v1/topics").([]any)
	if len(list) < 20 {
		t.Fatalf("GET /v1/topics: %d topics", len(list))
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(list)+1 || !strings.HasPrefix(lines[0], "TOPIC") {
		t.Fatalf("carecast topics printed %d lines for %d topics:\n%s", len(lines), len(list), out)
	}
	for i, v := range list {
		tp := v.(map[string]any)
		f := strings.Fields(lines[i+1])
		if f[0] != tp["id"] {
			t.Errorf("line %d is topic %s, the API's %d is %v", i+1, f[0], i, tp["id"])
		}
		for _, st := range tp["studies"].([]any) {
			if !strings.Contains(lines[i+1], st.(string)) {
				t.Errorf("topic %v: the line lacks its study %q", tp["id"], st)
			}
		}
	}

	for _, c := range []struct {
		args []string
		path string
	}{
		{[]string{"falls", "--area", "E10000032", "--from", "2018", "--to", "2025"}, "/v1/topics/falls?area=E10000032&from=2018&to=2025"},
		{[]string{"dementia_cfas2", "--area", "E08000019"}, "/v1/topics/dementia_cfas2?area=E08000019"},
		{[]string{"early_onset_dementia", "--area", "E10000032", "--to", "2019"}, "/v1/topics/early_onset_dementia?area=E10000032&to=2019"},
	} {
		code, out, errOut := runCLI(t, append([]string{"topics"}, c.args...)...)
		if code != exitOK {
			t.Fatalf("carecast topics %q: exit %d: %s", c.args, code, errOut)
		}
		api := getBody(t, base, c.path+"&format=csv", "text/csv")
		if out != string(api) {
			t.Errorf("carecast topics %q and GET %s differ:\nCLI %.600s\nAPI %.600s", c.args, c.path, out, api)
		}
		if strings.Count(out, "\n") < 10 {
			t.Errorf("carecast topics %q: a short table:\n%s", c.args, out)
		}

		file := filepath.Join(t.TempDir(), "topic.xlsx")
		code, _, errOut = runCLI(t, append([]string{"topics"}, append(c.args, "--out", file)...)...)
		if code != exitOK {
			t.Fatalf("carecast topics %q --out .xlsx: exit %d: %s", c.args, code, errOut)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cli := xlsxCells(t, "the CLI's workbook", b)
		apiX := xlsxCells(t, "the API's workbook", getBody(t, base, c.path+"&format=xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
		if !reflect.DeepEqual(cli, apiX) {
			t.Errorf("carecast topics %q --out .xlsx and GET %s&format=xlsx have different cells", c.args, c.path)
		}
		if len(cli["topic"]) != strings.Count(out, "\n") {
			t.Errorf("the workbook's topic sheet has %d rows, the CSV %d lines", len(cli["topic"]), strings.Count(out, "\n"))
		}
	}
}

// TestTopicsUsage: mistakes are usage errors (exit 2) or failures (exit 1) that say what.
func TestTopicsUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"falls"}, exitUsage, "--area is required"},
		{[]string{"falls", "--area", "Sheffield"}, exitUsage, "want a GSS code"},
		{[]string{"falls", "--area", "E10000032", "--from", "2030", "--to", "2025"}, exitUsage, "before"},
		{[]string{"falls", "--area", "E10000032", "--from", "1990"}, exitUsage, "covers 2011 to 2043"},
		{[]string{"falls", "--area", "E10000032", "--out", "x.parquet"}, exitUsage, ".csv or .xlsx"},
		{[]string{"--area", "E10000032"}, exitUsage, "need a topic"},
		{[]string{"no_such_topic", "--area", "E10000032"}, exitFail, `no topic "no_such_topic"`},
		{[]string{"dementia_subtype_share", "--area", "E10000032"}, exitFail, "not counted"},
		{[]string{"falls", "--area", "E99999999"}, exitFail, "not in the areas table"},
	} {
		code, out, errOut := runCLI(t, append([]string{"topics"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("carecast topics %q: exit %d (want %d), stdout %q, stderr %q (want %q)", c.args, code, c.code, out, errOut, c.want)
		}
	}
}
