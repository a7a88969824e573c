package notebooks

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Debian's tools: the notebooks must run on the Python that Debian's packages are built for,
// not on whatever python3 comes first on PATH.
const (
	python    = "/usr/bin/python3"
	nbconvert = "/usr/bin/jupyter-nbconvert"
)

// clearCommand clears outputs and execution records, keeping the kernelspec.
const clearCommand = "/usr/bin/jupyter-nbconvert --clear-output --ClearMetadataPreprocessor.enabled=True " +
	"--ClearMetadataPreprocessor.clear_notebook_metadata=False --inplace notebooks/*.ipynb"

const installHint = "install them with scripts/ci-deps-notebooks.sh (as root; CI runs it from .ci/run), " +
	"or set CARECAST_SKIP_NOTEBOOKS=1 to skip executing the notebooks"

// notebook is the part of an .ipynb file the tests read.
type notebook struct {
	Cells []struct {
		CellType       string            `json:"cell_type"`
		Source         json.RawMessage   `json:"source"`
		Outputs        []json.RawMessage `json:"outputs"`
		ExecutionCount *int              `json:"execution_count"`
		Metadata       map[string]any    `json:"metadata"`
	} `json:"cells"`
	Metadata struct {
		Kernelspec struct {
			Name string `json:"name"`
		} `json:"kernelspec"`
	} `json:"metadata"`
	NBFormat int `json:"nbformat"`
}

func notebookFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no notebooks in notebooks/")
	}
	return files
}

func readNotebook(t *testing.T, path string) notebook {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: not a notebook: %v", path, err)
	}
	return nb
}

// TestNotebooksHaveNoOutputs checks that the committed notebooks carry no outputs and no
// execution records, so that diffs show only what people wrote, and that they ask for the
// python3 kernel.
func TestNotebooksHaveNoOutputs(t *testing.T) {
	for _, f := range notebookFiles(t) {
		nb := readNotebook(t, f)
		if nb.NBFormat != 4 {
			t.Errorf("%s: nbformat %d, want 4", f, nb.NBFormat)
		}
		if k := nb.Metadata.Kernelspec.Name; k != "python3" {
			t.Errorf("%s: kernel %q, want python3", f, k)
		}
		code := 0
		for i, c := range nb.Cells {
			_, executed := c.Metadata["execution"]
			if c.CellType == "code" {
				code++
				executed = executed || len(c.Outputs) > 0 || c.ExecutionCount != nil
			}
			if executed {
				t.Errorf("%s: cell %d has outputs or execution records; clear them before committing: %s", f, i+1, clearCommand)
				break
			}
		}
		if code == 0 {
			t.Errorf("%s: no code cells", f)
		}
	}
}

// TestNotebooksExecute runs every notebook from top to bottom against a carecast server.
func TestNotebooksExecute(t *testing.T) {
	if os.Getenv("CARECAST_SKIP_NOTEBOOKS") == "1" {
		t.Skip("CARECAST_SKIP_NOTEBOOKS=1: the notebooks are not executed")
	}
	files := notebookFiles(t)
	tmp := t.TempDir()
	env := jupyterEnv(t, tmp)
	checkTools(t, env)

	bin := buildCarecast(t, tmp)
	url := startServer(t, bin, tmp)
	env = append(env, "CARECAST_URL="+url, "CARECAST_OUTPUT_DIR="+filepath.Join(tmp, "output"))

	outDir := filepath.Join(tmp, "executed")
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".ipynb"), func(t *testing.T) {
			start := time.Now()
			ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, nbconvert, "--to", "notebook", "--execute",
				"--ExecutePreprocessor.timeout=120", "--ExecutePreprocessor.kernel_name=python3",
				"--output-dir", outDir, f)
			cmd.Env = env
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s failed (%v) after %s:\n%s", f, err, time.Since(start).Round(time.Millisecond), cellError(stderr.String()))
			}
			nb := readNotebook(t, filepath.Join(outDir, f))
			for i, c := range nb.Cells {
				for _, o := range c.Outputs {
					var out struct {
						OutputType string `json:"output_type"`
						EName      string `json:"ename"`
						EValue     string `json:"evalue"`
					}
					if json.Unmarshal(o, &out) == nil && out.OutputType == "error" {
						t.Errorf("%s: cell %d: %s: %s", f, i+1, out.EName, out.EValue)
					}
				}
			}
			t.Logf("%s ran in %s", f, time.Since(start).Round(time.Millisecond))
		})
	}
	t.Run("same numbers as the CLI", func(t *testing.T) { sameAsCLI(t, bin, filepath.Join(tmp, "output"), tmp) })
}

// sameAsCLI checks the notebooks' face against the CLI's: notebook 01 saved the need table it
// read from the API (with its 200-draw ranges) and the scenario behind it; `carecast project`
// on that scenario file must give every one of those cells bit for bit.
func sameAsCLI(t *testing.T, bin, outDir, tmp string) {
	scenario, table := filepath.Join(outDir, "01-scenario.json"), filepath.Join(outDir, "01-need.csv")
	cliOut := filepath.Join(tmp, "01-cli.csv")
	cmd := exec.Command(bin, "project", "--scenario", scenario, "--out", cliOut)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("carecast project --scenario %s: %v\n%s", scenario, err, out)
	}
	nb, cli := readTable(t, table), readTable(t, cliOut)
	if len(nb) != 2*24 { // people 65+ needing help and with dementia, 2022–2045
		t.Fatalf("notebook 01 saved %d cells, want 48", len(nb))
	}
	for k, want := range nb {
		if got, ok := cli[k]; !ok || got != want {
			t.Errorf("%v: notebook %v, CLI %v", k, want, got)
		}
	}
	t.Logf("%d cells of notebook 01 equal the CLI's", len(nb))
}

// readTable reads a tidy result CSV into mean, p10, p50 and p90 by cell.
func readTable(t *testing.T, path string) map[[5]string][4]float64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("%s: %v (%d lines)", path, err, len(recs))
	}
	h := map[string]int{}
	for i, c := range recs[0] {
		h[c] = i
	}
	out := map[[5]string][4]float64{}
	for _, r := range recs[1:] {
		var v [4]float64
		for i, c := range []string{"mean", "p10", "p50", "p90"} {
			if v[i], err = strconv.ParseFloat(r[h[c]], 64); err != nil {
				t.Fatalf("%s: %s %q: %v", path, c, r[h[c]], err)
			}
		}
		out[[5]string{r[h["area_code"]], r[h["year"]], r[h["measure"]], r[h["sex"]], r[h["age_band"]]}] = v
	}
	return out
}

// jupyterEnv returns the environment for Jupyter: the process's, without CARECAST_* settings
// (the notebooks get their own), with Jupyter's and matplotlib's folders under tmp and a
// python3 kernelspec there that runs Debian's /usr/bin/python3, so that a kernelspec in the
// user's folders cannot send the notebooks to another Python.
func jupyterEnv(t *testing.T, tmp string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "CARECAST_"), strings.HasPrefix(k, "JUPYTER"), k == "IPYTHONDIR", k == "MPLCONFIGDIR",
			k == "PYTHONPATH", k == "PYTHONHOME", k == "MPLBACKEND":
			continue
		}
		env = append(env, kv)
	}
	jdir := filepath.Join(tmp, "jupyter")
	kdir := filepath.Join(jdir, "kernels", "python3")
	if err := os.MkdirAll(kdir, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := map[string]any{
		"argv":         []string{python, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"},
		"display_name": "Python 3 (Debian)",
		"language":     "python",
	}
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(kdir, "kernel.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return append(env,
		"JUPYTER_PATH="+jdir, // searched first for kernelspecs
		"JUPYTER_CONFIG_DIR="+filepath.Join(tmp, "jupyter-config"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "jupyter-runtime"),
		"IPYTHONDIR="+filepath.Join(tmp, "ipython"),
		"MPLCONFIGDIR="+filepath.Join(tmp, "matplotlib"),
		"PYTHONNOUSERSITE=1",
		"PYDEVD_DISABLE_FILE_VALIDATION=1",
	)
}

// checkTools fails the test, saying how to install them, unless Debian's nbconvert and Python
// packages are there and the python3 kernel runs /usr/bin/python3.
func checkTools(t *testing.T, env []string) {
	t.Helper()
	for _, f := range []string{python, nbconvert} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s is missing: the notebook tests need Debian's Python with Jupyter nbconvert, pandas, "+
				"matplotlib and requests; %s", f, installHint)
		}
	}
	probe := `import sys
import matplotlib, nbconvert, ipykernel, pandas, requests
from jupyter_client.kernelspec import KernelSpecManager
print(KernelSpecManager().get_kernel_spec("python3").argv[0])`
	cmd := exec.Command(python, "-c", probe)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s lacks a package the notebooks need (%v):\n%s\n%s", python, err, lastLines(string(out), 5), installHint)
	}
	if got := strings.TrimSpace(string(out)); got != python {
		t.Fatalf("the python3 kernel runs %q, want %s", got, python)
	}
}

// buildCarecast builds the carecast binary into dir.
func buildCarecast(t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	bin := filepath.Join(dir, "carecast")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/carecast")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/carecast: %v\n%s", err, out)
	}
	return bin
}

// startServer serves carecast on a free loopback port with an empty data directory (open mode:
// no keys) until the test ends, and returns its URL once /readyz answers.
func startServer(t *testing.T, bin, tmp string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logPath := filepath.Join(tmp, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", filepath.Join(tmp, "data"))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CARECAST_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	serverLog := func() string {
		b, _ := os.ReadFile(logPath)
		return lastLines(string(b), 40)
	}
	t.Cleanup(func() {
		defer logFile.Close()
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Errorf("server: %v", err)
			} else if err != nil {
				t.Errorf("server exited with %v:\n%s", err, serverLog())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("server did not stop within 30 s of SIGINT:\n%s", serverLog())
		}
		if t.Failed() {
			t.Logf("server log (last lines):\n%s", serverLog())
		}
	})

	url := "http://" + addr
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("server exited before it was ready (%v):\n%s", err, serverLog())
		default:
		}
		res, err := client.Get(url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server at %s not ready after 60 s (%v):\n%s", url, err, serverLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// cellError returns the useful end of nbconvert's output: from the failing cell (nbconvert
// prints its source and the traceback after "An error occurred while executing the following
// cell"), else the last lines, without terminal colours.
func cellError(s string) string {
	s = ansi.ReplaceAllString(s, "")
	if i := strings.Index(s, "An error occurred while executing the following cell"); i >= 0 {
		s = s[i:]
	} else {
		s = lastLines(s, 40)
	}
	if len(s) > 12000 {
		s = s[:12000] + "\n…"
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
