package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/service"
)

const projectUsage = `usage: carecast project --scenario FILE.json --out FILE
       carecast project --areas CODE[,CODE…] [--from YEAR] [--to YEAR] --out FILE

Runs a projection and writes the tidy results table (docs/design.md §8):
scenario_id,run_id,area_code,area_name,year,measure,unit,sex,age_band,mean,p10,p50,p90.

With --scenario, the scenario JSON document is run; --areas, --from, --to, --draws and --seed,
when given, override its fields. Without it, the baseline is run for --areas (GSS codes of
councils, districts, regions or E92000001 England; default every council, region and England)
from the base year --from to the horizon --to.

The output format follows the --out file's extension: FORMATS. The file is written whole or not
at all. A progress bar is shown when standard error is a terminal.

Exit status: 0 done, 1 bad input or a failure (the message says what and where: scenario
problems are listed with their JSON paths), 2 usage.

Flags:
`

// maxScenarioBytes bounds a scenario file.
const maxScenarioBytes = 1 << 20

// isTerminal reports whether w is a terminal, where a progress bar may be drawn. Tests replace it.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runProjectCmd is `carecast project …`; args are the arguments after "project".
func runProjectCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("carecast project", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), strings.Replace(projectUsage, "FORMATS", formatList(), 1))
		fs.PrintDefaults()
	}
	scenarioFile := fs.String("scenario", "", "scenario JSON `file`")
	var areas multiFlag
	fs.Var(&areas, "areas", "GSS `codes` of the areas to report, comma-separated or repeated")
	from := fs.Int("from", forecast.DefaultBaseYear, "base `year` (2011, 2018, 2020, 2021 or 2022)")
	to := fs.Int("to", forecast.DefaultHorizon, "last `year` projected")
	districts := fs.Bool("districts", false, "also report the districts that make up each area")
	draws := fs.Int("draws", 0, "Monte Carlo `draws` for p10/p50/p90 (0: deterministic)")
	seed := fs.Int64("seed", 0, "random `seed` for the draws")
	noDrivers := fs.Bool("no-drivers", false, "leave out the drivers of change")
	out := fs.String("out", "", "output `file`; its extension sets the format")
	dataDir := fs.String("data", "", "canonical dataset `folder` to run on instead of the built-in default data")
	scenarioID := fs.String("scenario-id", "", "scenario_id column (default: the scenario file's name, or baseline)")
	runID := fs.String("run-id", "", "run_id column (default: local-<UTC time>)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "carecast project: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run 'carecast project -h' for usage")
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "carecast project: "+format+"\n", a...)
		return exitFail
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case *out == "":
		return usage("--out is required")
	case *draws < 0:
		return usage("--draws %d: want 0 or more", *draws)
	}
	format, err := outputFormat(*out)
	if err != nil {
		return usage("--out %s: %v", *out, err)
	}
	if !formatAvailable(format) {
		return fail("--out %s: the %s format is not available in this build; use .csv", *out, format)
	}

	// The scenario: from the file, with the flags given overriding it; else the baseline.
	source := "command line"
	sc := forecast.Scenario{Name: "baseline"}
	id := "baseline"
	if *scenarioFile != "" {
		source = *scenarioFile
		if sc, err = readScenario(*scenarioFile); err != nil {
			return fail("%v", err)
		}
		id = strings.TrimSuffix(filepath.Base(*scenarioFile), filepath.Ext(*scenarioFile))
	}
	if set["areas"] || *scenarioFile == "" {
		sc.Areas = nil
		for a := range strings.SplitSeq(areas.String(), ",") {
			if a = strings.TrimSpace(a); a != "" {
				sc.Areas = append(sc.Areas, a)
			}
		}
	}
	if set["from"] || *scenarioFile == "" {
		sc.BaseYear = *from
	}
	if set["to"] || *scenarioFile == "" {
		sc.Horizon = *to
	}
	if set["districts"] {
		sc.Districts = *districts
	}
	if set["draws"] {
		sc.Uncertainty.Draws = *draws
	}
	if set["seed"] {
		sc.Uncertainty.Seed = *seed
	}
	if *scenarioID != "" {
		id = *scenarioID
	}
	if *runID == "" {
		*runID = "local-" + time.Now().UTC().Format("20060102T150405Z")
	}

	start := time.Now()
	// The same carecast the server runs: the engine with its back-test error models.
	c, err := service.OpenDir(*dataDir)
	if err != nil {
		return fail("loading data: %v", err)
	}
	// Check the scenario before any work, so that every problem is reported with its path.
	checked := sc.WithDefaults()
	if err := checked.Check(c.Inputs); err != nil {
		return scenarioFail(stderr, source, err)
	}
	e := c.Engine
	bar := newProgressBar(stderr, isTerminal(stderr))
	r, err := e.Run(ctx, sc, engine.RunOptions{ScenarioID: id, RunID: *runID, Version: carecastVersion(), NoDrivers: *noDrivers, Checked: true}, bar.update)
	bar.finish()
	if err != nil {
		var se forecast.ScenarioError
		if errors.As(err, &se) {
			return scenarioFail(stderr, source, err)
		}
		if ctx.Err() != nil {
			return fail("interrupted: %v", err)
		}
		return fail("%v", err)
	}
	n, err := writeResult(*out, format, r)
	if err != nil {
		return fail("writing %s: %v", *out, err)
	}
	fmt.Fprintf(stderr, "carecast project: wrote %d rows (%d areas, %d–%d) to %s in %v\n", n, len(r.Areas), r.Years[0],
		r.Years[len(r.Years)-1], *out, time.Since(start).Round(time.Millisecond))
	return exitOK
}

// scenarioFail reports every problem of a scenario, one a line, with its JSON path.
func scenarioFail(stderr io.Writer, source string, err error) int {
	var se forecast.ScenarioError
	if !errors.As(err, &se) {
		fmt.Fprintf(stderr, "carecast project: %s: %v\n", source, err)
		return exitFail
	}
	fmt.Fprintf(stderr, "carecast project: %s: invalid scenario (%d problems):\n", source, len(se))
	for _, f := range se {
		fmt.Fprintf(stderr, "  %s: %s\n", f.Path, f.Message)
	}
	return exitFail
}

// readScenario reads a scenario document. Unknown fields are errors (a misspelt lever field
// would otherwise be silently ignored); syntax and type errors say where they are.
func readScenario(path string) (forecast.Scenario, error) {
	var sc forecast.Scenario
	f, err := os.Open(path)
	if err != nil {
		return sc, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxScenarioBytes+1))
	if err != nil {
		return sc, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxScenarioBytes {
		return sc, fmt.Errorf("%s: larger than %d bytes, too large for a scenario", path, maxScenarioBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := lineCol(data, syn.Offset-1) // Offset is just past the offending byte
			return sc, fmt.Errorf("%s:%d:%d: invalid JSON: %v", path, line, col, syn)
		case errors.As(err, &typ):
			line, col := lineCol(data, typ.Offset)
			return sc, fmt.Errorf("%s:%d:%d: %s: a JSON %s cannot be %s", path, line, col, typ.Field, typ.Value, typ.Type)
		case errors.Is(err, io.EOF):
			return sc, fmt.Errorf("%s: empty file, want a scenario JSON object", path)
		}
		return sc, fmt.Errorf("%s: %v", path, err)
	}
	if dec.More() {
		return sc, fmt.Errorf("%s: more than one JSON value", path)
	}
	return sc, nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// Output formats, named as package datasets names its export formats.
var formatByExt = map[string]string{
	".csv": "csv", ".parquet": "parquet", ".arrow": "arrow", ".arrows": "arrow", ".xlsx": "xlsx", ".ndjson": "json", ".jsonl": "json",
}

// formatList describes the output formats this build writes, from formatByExt and
// formatAvailable, for the help text: ".arrow or .arrows (arrow), .csv (csv), …".
func formatList() string {
	byFormat := map[string][]string{}
	for ext, f := range formatByExt {
		if formatAvailable(f) {
			byFormat[f] = append(byFormat[f], ext)
		}
	}
	parts := make([]string, 0, len(byFormat))
	for f, exts := range byFormat {
		slices.Sort(exts)
		parts = append(parts, strings.Join(exts, " or ")+" ("+f+")")
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// outputFormat returns the format of an output file from its extension.
func outputFormat(path string) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if f, ok := formatByExt[ext]; ok {
		return f, nil
	}
	return "", fmt.Errorf("unknown extension %q: want .csv, .parquet, .arrow, .xlsx or .ndjson", ext)
}

// rowWriter streams result rows in one format: Write any number of times, then Close once;
// the output is complete only when Close returns nil (package datasets' RowWriter).
type rowWriter interface {
	Write(rows ...forecast.ResultRow) error
	Close() error
}

// errFormatUnavailable is returned by newRowWriter for formats this build cannot write.
var errFormatUnavailable = errors.New("format not available in this build")

// formatAvailable reports whether newRowWriter can write format.
func formatAvailable(format string) bool {
	_, err := newRowWriter(format, io.Discard, engine.Provenance{})
	return err == nil
}

// newRowWriter returns the writer of format (see outputFormat) onto w: package datasets'
// exporters, with the run's provenance recorded where the format has room for it.
func newRowWriter(format string, w io.Writer, prov engine.Provenance) (rowWriter, error) {
	f, err := datasets.ParseExportFormat(format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, errFormatUnavailable)
	}
	return datasets.NewExporter(f, w, datasets.ExportOptions{Provenance: datasets.RunProvenance(prov)})
}

// writeResult writes r's rows to path in format, through a temporary file in the same folder
// that replaces path only once complete. It returns the number of rows.
func writeResult(path, format string, r *engine.Result) (int, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	rw, err := newRowWriter(format, tmp, r.Provenance)
	if err != nil {
		tmp.Close()
		return 0, err
	}
	n := 0
	batch := make([]forecast.ResultRow, 0, 4096)
	for row := range r.Rows() {
		batch = append(batch, row)
		if len(batch) == cap(batch) {
			if err = rw.Write(batch...); err != nil {
				break
			}
			n += len(batch)
			batch = batch[:0]
		}
	}
	if err == nil && len(batch) > 0 {
		if err = rw.Write(batch...); err == nil {
			n += len(batch)
		}
	}
	if err == nil {
		err = rw.Close()
	}
	if err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err != nil {
		return 0, err
	}
	return n, os.Rename(tmp.Name(), path)
}

// progressBar draws the run's progress on a terminal, at most ten times a second; on anything
// else it draws nothing.
type progressBar struct {
	w           io.Writer
	on          bool
	done, total atomic.Int64
	mu          sync.Mutex
	last        time.Time
	drawn       bool
}

func newProgressBar(w io.Writer, on bool) *progressBar { return &progressBar{w: w, on: on} }

// update records progress (from any goroutine) and redraws when due.
func (p *progressBar) update(done, total int) {
	if !p.on {
		return
	}
	p.total.Store(int64(total))
	for {
		old := p.done.Load()
		if int64(done) <= old || p.done.CompareAndSwap(old, int64(done)) {
			break
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || done >= total {
		p.last = now
		p.draw()
	}
}

func (p *progressBar) draw() {
	done, total := p.done.Load(), p.total.Load()
	if total <= 0 {
		return
	}
	const width = 40
	frac := min(float64(done)/float64(total), 1)
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d/%d", strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*frac, done, total)
	p.drawn = true
}

// finish draws the final state and ends the line.
func (p *progressBar) finish() {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn || p.total.Load() > 0 {
		p.draw()
		fmt.Fprintln(p.w)
	}
}
