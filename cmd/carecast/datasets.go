package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/convert"
	"github.com/carecast/carecast/datasets/defaultdata"
)

func runDatasets(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const synopsis = "datasets validate --kind KIND FILE | datasets describe [--json] [FILE] | datasets cards [--json] [NAME] | datasets build [--raw DIR] [--out DIR]"
	if len(args) == 0 {
		fmt.Fprintf(stderr, "Usage: carecast %s\n", synopsis)
		return exitUsage
	}
	switch args[0] {
	case "validate":
		return datasetsValidate(args[1:], stdout, stderr)
	case "describe":
		return datasetsDescribe(args[1:], stdout, stderr)
	case "build":
		return datasetsBuild(args[1:], stdout, stderr)
	case "cards":
		return datasetsCards(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "carecast datasets: unknown subcommand %q\nUsage: carecast %s\n", args[0], synopsis)
	return exitUsage
}

func datasetsValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("datasets validate", stderr, "datasets validate --kind KIND [--max-problems N] [--max-bytes N] [--max-rows N] FILE")
	kind := fs.String("kind", "", "dataset kind: "+kindList())
	maxProblems := fs.Int("max-problems", 100, "stop after this many problems")
	maxBytes := fs.Int64("max-bytes", datasets.DefaultMaxBytes, "refuse files larger than this many bytes")
	maxRows := fs.Int64("max-rows", datasets.DefaultMaxRows, "refuse files of more rows than this, read from the footer before any row is decoded")
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || *kind == "" {
		fmt.Fprintln(stderr, "carecast datasets validate: want --kind KIND and exactly one FILE")
		fs.Usage()
		return exitUsage
	}
	k, err := datasets.ParseKind(*kind)
	if err != nil {
		fmt.Fprintf(stderr, "carecast datasets validate: %v\n", err)
		return exitUsage
	}
	opts := datasets.ReadOptions{Name: filepath.Base(pos[0]), MaxProblems: *maxProblems, MaxBytes: *maxBytes, MaxRows: *maxRows}
	if k != datasets.KindAreas {
		// Area codes are checked against the default areas table.
		def, err := defaultdata.Load()
		if err != nil {
			fmt.Fprintf(stderr, "carecast datasets validate: loading the default areas: %v\n", err)
			return exitFail
		}
		opts.KnownAreas = map[string]bool{}
		for _, a := range def.Areas {
			opts.KnownAreas[a.AreaCode] = true
		}
	}
	sum, err := datasets.ValidateFile(k, pos[0], opts)
	if err != nil {
		return reportProblems(err, stderr)
	}
	fmt.Fprintln(stdout, sum.Line())
	return exitOK
}

// reportProblems prints every validation problem, one a line, and returns exit code 1.
func reportProblems(err error, stderr io.Writer) int {
	var ve *datasets.ValidationError
	if errors.As(err, &ve) {
		fmt.Fprintf(stderr, "%s: invalid, %d problem(s)%s:\n", ve.File, len(ve.Problems), map[bool]string{true: " (limit reached; there may be more)"}[ve.Truncated])
		for _, p := range ve.Problems {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		return exitFail
	}
	fmt.Fprintf(stderr, "carecast: %v\n", err)
	return exitFail
}

func datasetsDescribe(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("datasets describe", stderr, "datasets describe [--json] [--kind KIND] [FILE]")
	asJSON := fs.Bool("json", false, "print JSON")
	kind := fs.String("kind", "", "dataset kind (default: worked out from the columns)")
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 1 {
		fs.Usage()
		return exitUsage
	}
	if len(pos) == 0 {
		b, err := defaultdata.Load()
		if err != nil {
			fmt.Fprintf(stderr, "carecast datasets describe: %v\n", err)
			return exitFail
		}
		d := b.Describe()
		if *asJSON {
			return printJSON(stdout, stderr, d)
		}
		fmt.Fprintln(stdout, "carecast default dataset (built from ONS and NHS Digital data, Open Government Licence v3)")
		fmt.Fprintf(stdout, "areas in force: %d councils with social services responsibilities, %d districts, %d regions, %d country; %d areas ended in 2019–2023 (linked to successors)\n",
			d.Councils, d.Districts, d.Regions, d.Countries, d.EndedAreas)
		fmt.Fprintf(stdout, "single-year population years: %s\n", joinYears(d.PopulationYears))
		if len(d.Projections) > 0 {
			fmt.Fprintf(stdout, "supplied projections (%s/; principal read with the data, the variants on first use): %s — ONS 2018-based subnational projections (principal) and ten variants the Strategy Unit derived from it (not ONS products), 2018–2043\n",
				datasets.ProjectionsDir, strings.Join(d.Projections, ", "))
		}
		for _, f := range d.Files {
			describeSummary(stdout, f)
		}
		return exitOK
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "carecast datasets describe: %v\n", err)
		return exitFail
	}
	k := datasets.Kind(*kind)
	if k == "" {
		if k, err = datasets.DetectKind(data); err != nil {
			fmt.Fprintf(stderr, "carecast datasets describe: %s: %v\n", pos[0], err)
			return exitFail
		}
	} else if k, err = datasets.ParseKind(*kind); err != nil {
		fmt.Fprintf(stderr, "carecast datasets describe: %v\n", err)
		return exitUsage
	}
	sum, err := datasets.Validate(k, data, datasets.ReadOptions{Name: filepath.Base(pos[0])})
	if err != nil {
		return reportProblems(err, stderr)
	}
	if *asJSON {
		return printJSON(stdout, stderr, sum)
	}
	describeSummary(stdout, sum)
	return exitOK
}

func describeSummary(w io.Writer, s datasets.Summary) {
	fmt.Fprintf(w, "\n%s (%s): %d rows, %d bytes, sha256 %s\n", s.File, s.Kind, s.Rows, s.Bytes, s.ContentHash)
	if s.Areas > 0 {
		fmt.Fprintf(w, "  areas: %d", s.Areas)
		if len(s.AreaTypes) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(s.AreaTypes, ", "))
		}
		fmt.Fprintln(w)
	}
	if s.Years > 0 {
		fmt.Fprintf(w, "  years: %d–%d (%d years)\n", s.YearFrom, s.YearTo, s.Years)
	}
	if s.AgeTo > 0 {
		fmt.Fprintf(w, "  ages: %d–%d\n", s.AgeFrom, s.AgeTo)
	}
	if len(s.Sexes) > 0 {
		fmt.Fprintf(w, "  sexes: %s\n", strings.Join(s.Sexes, ", "))
	}
	if len(s.Measures) > 0 {
		m := s.Measures
		more := ""
		if len(m) > 12 {
			m, more = m[:12], fmt.Sprintf(", … (%d in all)", len(s.Measures))
		}
		fmt.Fprintf(w, "  measures: %s%s\n", strings.Join(m, ", "), more)
	}
	for _, src := range s.Sources {
		fmt.Fprintf(w, "  source: %s\n", src)
	}
}

// joinYears prints years with contiguous runs collapsed: 2001–2024, 2026.
func joinYears(ys []int32) string {
	var parts []string
	for i := 0; i < len(ys); {
		j := i
		for j+1 < len(ys) && ys[j+1] == ys[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d–%d", ys[i], ys[j]))
		} else {
			parts = append(parts, fmt.Sprint(ys[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func printJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "carecast: %v\n", err)
		return exitFail
	}
	return exitOK
}

func datasetsBuild(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("datasets build", stderr, "datasets build [--raw DIR] [--out DIR]")
	raw := fs.String("raw", "../shared/data/raw", "folder of the raw public data (the shared folder beside the repository; datasets/README.md says what is read from it)")
	out := fs.String("out", "datasets/defaultdata", "folder to write the canonical Parquet files to")
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		fs.Usage()
		return exitUsage
	}
	b, err := convert.Build(os.DirFS(*raw))
	if err != nil {
		fmt.Fprintf(stderr, "carecast datasets build: %v\n", err)
		return exitFail
	}
	if err := b.WriteDir(*out); err != nil {
		fmt.Fprintf(stderr, "carecast datasets build: %v\n", err)
		return exitFail
	}
	// Read back what was written: the build must produce valid datasets.
	loaded, err := datasets.LoadDir(*out, datasets.ReadOptions{})
	if err != nil {
		return reportProblems(err, stderr)
	}
	for _, f := range loaded.Files {
		fmt.Fprintf(stdout, "%-24s %8d rows %9d bytes  sha256 %s\n", f.File, f.Rows, f.Bytes, f.ContentHash[:16])
	}
	return exitOK
}

func kindList() string {
	names := make([]string, len(datasets.Kinds))
	for i, k := range datasets.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
