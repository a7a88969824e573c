package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/transparency"
)

// runTransparency is `carecast transparency [--data DIR] [--out FILE]`: it prints carecast's
// Algorithmic Transparency Recording Standard record (JSON, ATRS 3.0), the same record
// GET /v1/transparency serves (service.Carecast.Transparency builds both).
// Exit codes: 0 done, 1 bad data or a failure, 2 wrong usage.
func runTransparency(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("transparency", stderr, "transparency [--data DIR] [--out FILE.json]")
	dataDir := fs.String("data", "", "dataset directory to read (default: the embedded default data)")
	out := fs.String("out", "", "write the record to this file instead of standard output")
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "carecast transparency: unexpected argument %q\n", pos[0])
		fs.Usage()
		return exitUsage
	}
	c, err := service.OpenDir(*dataDir)
	if err != nil {
		if _, ok := datasets.IsValidation(err); ok {
			return reportProblems(err, stderr)
		}
		fmt.Fprintf(stderr, "carecast transparency: %v\n", err)
		return exitFail
	}
	rec, err := c.Transparency(ctx, carecastVersion())
	if err != nil {
		fmt.Fprintf(stderr, "carecast transparency: %v\n", err)
		return exitFail
	}
	if *out == "" {
		return printJSON(stdout, stderr, rec)
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err == nil {
		err = writeFileAtomic(*out, append(data, '\n'))
	}
	if err != nil {
		fmt.Fprintf(stderr, "carecast transparency: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote the ATRS %s record to %s; %d fields are left for the deploying council (to_be_completed)\n",
		rec.StandardVersion, *out, len(rec.ToBeCompleted))
	return exitOK
}

// datasetsCards is `carecast datasets cards [--json] [NAME]`: the dataset card of every
// built-in dataset (or of the one named), as GET /v1/datasets/cards serves them.
func datasetsCards(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("datasets cards", stderr, "datasets cards [--json] [NAME]")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 1 {
		fs.Usage()
		return exitUsage
	}
	c, err := service.Default()
	if err != nil {
		fmt.Fprintf(stderr, "carecast datasets cards: %v\n", err)
		return exitFail
	}
	cards, err := c.DatasetCards()
	if err != nil {
		fmt.Fprintf(stderr, "carecast datasets cards: %v\n", err)
		return exitFail
	}
	if len(pos) == 1 {
		var names []string
		var found []transparency.DatasetCard
		for _, k := range cards {
			names = append(names, k.Name)
			if k.Name == pos[0] {
				found = append(found, k)
			}
		}
		if len(found) == 0 {
			fmt.Fprintf(stderr, "carecast datasets cards: no built-in dataset %q; want one of %s\n", pos[0], strings.Join(names, ", "))
			return exitUsage
		}
		cards = found
	}
	if *asJSON {
		if len(pos) == 1 {
			return printJSON(stdout, stderr, cards[0])
		}
		return printJSON(stdout, stderr, cards)
	}
	for i, k := range cards {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := writeCard(stdout, k); err != nil {
			fmt.Fprintf(stderr, "carecast datasets cards: %v\n", err)
			return exitFail
		}
	}
	return exitOK
}

// writeCard prints one dataset card as Markdown.
func writeCard(w io.Writer, k transparency.DatasetCard) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n%s.\n\n", k.Name, k.Holds)
	fmt.Fprintf(&b, "- Publisher: %s\n- Edition: %s\n- Licence: %s. %s\n- Source: %s\n", k.Publisher, k.Edition, k.Licence, k.Attribution, k.SourceURL)
	years := k.DataYears
	if k.YearFrom > 0 {
		years += fmt.Sprintf(" (rows %d-%d)", k.YearFrom, k.YearTo)
	}
	fmt.Fprintf(&b, "- Years: %s\n- Rows: %d", years, k.Rows)
	if k.Areas > 0 {
		fmt.Fprintf(&b, ", %d areas", k.Areas)
	}
	fmt.Fprintf(&b, "\n- Publications named in its rows: %s\n", strings.Join(k.Sources, "; "))
	for _, f := range k.Files {
		fmt.Fprintf(&b, "- File: %s, %d rows, %d bytes, %s\n", f.File, f.Rows, f.Bytes, f.ContentHash)
	}
	fmt.Fprintf(&b, "- What the converter does: %s\n- Intended use: %s\n", k.Converter, k.IntendedUse)
	if len(k.Quirks) > 0 {
		b.WriteString("- Known quirks and limitations:\n")
		for _, q := range k.Quirks {
			fmt.Fprintf(&b, "  - %s\n", q)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
