package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/carecast/carecast/service"
)

const topicsUsage = `usage: carecast topics
       carecast topics TOPIC --area CODE [--from YEAR] [--to YEAR] [--out FILE.csv|FILE.xlsx]

Without a topic, lists every POPPI (people 65+) and PANSI (people 18-64) topic carecast holds
rates for, with the studies its rates come from. With one, writes its table for a council (GSS
code) or --area all (every council): the expected people by age band, sex and mid-year, with the
range where the rates have intervals. It is the table GET /v1/topics/TOPIC?area=CODE&format=csv
(or xlsx) answers, computed by the same function (service.TopicTable). Without --out the CSV goes
to standard output; an .xlsx file adds an about sheet naming the studies and sources. Years
default to 2023 to 2040, as the API's.

Flags:
`

// topicArea is the API's pattern for the area of a topic table.
var topicArea = regexp.MustCompile(`^(E[0-9]{8}|all)$`)

// topicsSource is what the topics command reads (service.Carecast implements it); a variable
// so that tests can share one loaded Carecast.
var topicsSource = func() (topicsData, error) { return service.Default() }

type topicsData interface {
	Topics() []service.Topic
	TopicTable(id string, areas []string, from, to int) (*service.TopicTable, error)
	Councils() []string
}

// runTopics is `carecast topics [TOPIC --area CODE …]`.
func runTopics(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("topics", stderr, "topics [TOPIC --area CODE [--from YEAR] [--to YEAR] [--out FILE]]")
	fs.Usage = func() {
		fmt.Fprint(stderr, topicsUsage)
		fs.PrintDefaults()
	}
	area := fs.String("area", "", "GSS `code` of the council, or all for every council (required with a topic)")
	from := fs.Int("from", 0, "first mid-`year` (default 2023)")
	to := fs.Int("to", 0, "last mid-`year` (default 2040)")
	out := fs.String("out", "", "output `file`, .csv or .xlsx (default: CSV on standard output)")
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "carecast topics: "+format+"\n", a...)
		fs.Usage()
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "carecast topics: "+format+"\n", a...)
		return exitFail
	}
	if len(pos) > 1 {
		return usage("one topic at a time, got %q", pos)
	}
	if len(pos) == 0 {
		if *area != "" || *from != 0 || *to != 0 || *out != "" {
			return usage("--area, --from, --to and --out need a topic")
		}
		src, err := topicsSource()
		if err != nil {
			return fail("%v", err)
		}
		return listTopics(src, stdout)
	}
	if *area == "" {
		return usage("--area is required with a topic (a GSS code such as E10000032, or all)")
	}
	if !topicArea.MatchString(*area) {
		return usage("--area %q: want a GSS code such as E10000032, or all", *area)
	}
	for _, y := range []struct {
		name string
		v    int
	}{{"from", *from}, {"to", *to}} {
		if y.v != 0 && (y.v < service.TopicFirstYear || y.v > service.TopicLastYear) {
			return usage("--%s %d: a topic table covers %d to %d", y.name, y.v, service.TopicFirstYear, service.TopicLastYear)
		}
	}
	first, last := service.TopicYears(*from, *to)
	if last < first {
		return usage("--to %d is before --from %d", last, first)
	}
	format := "csv"
	if *out != "" {
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".csv":
		case ".xlsx":
			format = "xlsx"
		default:
			return usage("--out %s: want a .csv or .xlsx file", *out)
		}
	}
	src, err := topicsSource()
	if err != nil {
		return fail("%v", err)
	}
	areas := []string{*area}
	if *area == "all" {
		areas = src.Councils()
	}
	tab, err := src.TopicTable(pos[0], areas, first, last)
	if errors.Is(err, service.ErrTopicNotFound) {
		return fail("no topic %q; carecast topics lists them", pos[0])
	}
	if msg, ok := service.PublicMessage(err); ok {
		return fail("%s", msg)
	}
	if err != nil {
		return fail("%v", err)
	}
	var buf bytes.Buffer
	if format == "xlsx" {
		err = tab.Sheet().WriteXLSX(&buf)
	} else {
		err = tab.Sheet().WriteCSV(&buf)
	}
	if err != nil {
		return fail("%v", err)
	}
	if *out == "" {
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return fail("%v", err)
		}
		return exitOK
	}
	if err := writeWhole(*out, buf.Bytes()); err != nil {
		return fail("writing %s: %v", *out, err)
	}
	fmt.Fprintf(stderr, "carecast topics: %s for %s, %d to %d: %d rows in %s\n", pos[0], *area, first, last, len(tab.Rows), *out)
	return exitOK
}

// listTopics prints one line a topic: its id, programme, population, whether it is counted,
// and the studies of its rates.
func listTopics(src topicsData, stdout io.Writer) int {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TOPIC\tPROGRAMME\tPOPULATION\tCOUNTED\tSTUDY")
	for _, t := range src.Topics() {
		counted := "yes"
		if !t.Tabulated {
			counted = "no (shares)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Programme, t.Population, counted, strings.Join(t.Studies, "; "))
	}
	if err := tw.Flush(); err != nil {
		return exitFail
	}
	return exitOK
}

// writeWhole writes data to path through a temporary file beside it, so the file is complete
// or absent.
func writeWhole(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
