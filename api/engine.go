package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/api/web"
	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// ScenarioSchema validates scenario documents against the JSON Schema generated from
// forecast.Scenario (its struct tags), then against the data (forecast.Scenario.Check), and
// reports every problem with its JSON path.
type ScenarioSchema struct {
	catalog  forecast.Catalog
	once     sync.Once
	registry huma.Registry
	schema   *huma.Schema
	doc      []byte
}

// NewScenarioSchema returns a validator that also checks scenarios against catalog (the areas,
// years and measures of the data); catalog may be nil to check the document alone.
func NewScenarioSchema(catalog forecast.Catalog) *ScenarioSchema {
	return &ScenarioSchema{catalog: catalog}
}

func (s *ScenarioSchema) init() {
	s.once.Do(func() {
		s.registry = huma.NewMapRegistry("#/$defs/", huma.DefaultSchemaNamer)
		s.schema = huma.SchemaFromType(s.registry, reflect.TypeOf(forecast.Scenario{}))
		doc := map[string]any{
			"$schema":     "https://json-schema.org/draft/2020-12/schema",
			"$id":         "https://carecast.example/schemas/scenario-v1.json",
			"title":       "carecast scenario",
			"description": "A carecast scenario document, version 1 (docs/design.md §5).",
		}
		raw, _ := json.Marshal(s.schema)
		var top map[string]any
		_ = json.Unmarshal(raw, &top)
		for k, v := range top {
			doc[k] = v
		}
		defs := map[string]any{}
		for name, sc := range s.registry.Map() {
			defs[name] = sc
		}
		doc["$defs"] = defs
		s.doc, _ = json.MarshalIndent(doc, "", "  ")
	})
}

// Schema returns the scenario JSON Schema (draft 2020-12) document.
func (s *ScenarioSchema) Schema() []byte {
	s.init()
	return s.doc
}

// Validate checks a scenario document. It returns nil, or an error joining one
// forecast.FieldError per problem (each with its JSON path), all problems at once.
func (s *ScenarioSchema) Validate(doc []byte) error {
	_, err := s.Parse(doc)
	return err
}

// Parse validates a scenario document and returns it with defaults filled in.
func (s *ScenarioSchema) Parse(doc []byte) (forecast.Scenario, error) {
	s.init()
	if !utf8.Valid(doc) {
		// encoding/json would replace the bad bytes with U+FFFD and store a changed document.
		return forecast.Scenario{}, forecast.ScenarioError{{Path: "", Message: fmt.Sprintf(
			"not valid UTF-8: the byte at offset %d does not start a valid character", invalidUTF8At(doc))}}
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return forecast.Scenario{}, forecast.ScenarioError{{Path: "", Message: "not valid JSON: " + err.Error()}}
	}
	pb := huma.NewPathBuffer(make([]byte, 0, 128), 0)
	res := &huma.ValidateResult{}
	huma.Validate(s.registry, s.schema, pb, huma.ModeWriteToServer, v, res)
	var errs forecast.ScenarioError
	for _, e := range res.Errors {
		var d *huma.ErrorDetail
		if errors.As(e, &d) {
			errs = append(errs, forecast.FieldError{Path: d.Location, Message: d.Message})
		} else {
			errs = append(errs, forecast.FieldError{Message: e.Error()})
		}
	}
	var sc forecast.Scenario
	dec := json.NewDecoder(bytes.NewReader(doc))
	if len(errs) == 0 {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&sc); err != nil {
		if len(errs) > 0 {
			return forecast.Scenario{}, errs // the schema's errors already say what is wrong
		}
		return forecast.Scenario{}, forecast.ScenarioError{{Message: err.Error()}}
	}
	sc = sc.WithDefaults()
	if s.catalog != nil {
		// Check the data-dependent rules too, so that every problem is reported at once; a
		// path the schema already flagged is not repeated.
		var se forecast.ScenarioError
		if err := sc.Check(s.catalog); errors.As(err, &se) {
			seen := map[string]bool{}
			for _, e := range errs {
				seen[e.Path] = true
			}
			for _, e := range se {
				if !seen[e.Path] {
					errs = append(errs, e)
				}
			}
		}
	}
	if len(errs) > 0 {
		return forecast.Scenario{}, errs
	}
	return sc, nil
}

// DatasetFiles validates uploaded dataset files with package datasets, checking area codes
// against the areas table of the built-in data.
type DatasetFiles struct {
	Known map[string]bool
	// MaxBytes caps a file's size (0: datasets.DefaultMaxBytes).
	MaxBytes int64
	// MaxRows caps a file's rows, checked from its footer before any row is decoded
	// (0: datasets.DefaultMaxRows).
	MaxRows int64
}

type locatedProblem struct{ p datasets.Problem }

func (l locatedProblem) Error() string { return l.p.Message + " [" + string(l.p.Rule) + "]" }

// Location names the row and column of the problem.
func (l locatedProblem) Location() string {
	var parts []string
	if l.p.Row > 0 {
		parts = append(parts, fmt.Sprintf("row %d", l.p.Row))
	}
	if l.p.Column != "" {
		parts = append(parts, "column "+l.p.Column)
	}
	if len(parts) == 0 {
		return "file"
	}
	return strings.Join(parts, ", ")
}

// Validate reads the file at path as a dataset of kind and summarises it, or lists every
// problem with its row and column.
func (d DatasetFiles) Validate(kind, path string) (Summary, error) {
	k, err := datasets.ParseKind(kind)
	if err != nil {
		return Summary{}, err
	}
	opts := datasets.ReadOptions{Name: "upload", MaxBytes: d.MaxBytes, MaxRows: d.MaxRows}
	if k != datasets.KindAreas {
		opts.KnownAreas = d.Known
	}
	sum, err := datasets.ValidateFile(k, path, opts)
	if ve, ok := datasets.IsValidation(err); ok {
		errs := make([]error, len(ve.Problems))
		for i, p := range ve.Problems {
			errs[i] = locatedProblem{p}
		}
		return Summary{}, errors.Join(errs...)
	}
	if err != nil {
		return Summary{}, err
	}
	return summaryOf(sum), nil
}

func summaryOf(s datasets.Summary) Summary {
	desc := fmt.Sprintf("%d areas", s.Areas)
	if s.Years > 0 {
		desc += fmt.Sprintf(", years %d–%d", s.YearFrom, s.YearTo)
	}
	if s.AgeTo > 0 {
		desc += fmt.Sprintf(", ages %d–%d", s.AgeFrom, s.AgeTo)
	}
	return Summary{Rows: int64(s.Rows), Columns: datasets.Columns(s.Kind), Sources: s.Sources, Description: desc}
}

// BuiltinDatasets describes the files of a loaded bundle for the datasets API.
func BuiltinDatasets(b *datasets.Bundle) []BuiltinDataset {
	var out []BuiltinDataset
	for _, f := range b.Files {
		out = append(out, BuiltinDataset{Kind: string(f.Kind), Name: "default/" + f.File, ContentHash: "sha256:" + f.ContentHash,
			Size: f.Bytes, Summary: summaryOf(f)})
	}
	return out
}

// EngineProjector answers quick baseline projections with the engine, keeping the latest
// answers in a small cache (the same area and years give the same numbers, bit for bit).
type EngineProjector struct {
	Engine *engine.Engine

	mu    sync.Mutex
	cache map[projKey][]forecast.ResultRow
	order []projKey
}

type projKey struct {
	area     string
	from, to int
}

const projectorCache = 64

// Baseline runs the baseline of one area (with its districts) for from..to, from the cache
// when it can.
func (p *EngineProjector) Baseline(ctx context.Context, area string, from, to int) ([]forecast.ResultRow, error) {
	k := projKey{area, from, to}
	p.mu.Lock()
	if rows, ok := p.cache[k]; ok {
		p.mu.Unlock()
		return rows, nil
	}
	p.mu.Unlock()
	sc := forecast.Scenario{Name: "baseline", BaseYear: from, Horizon: to, Areas: []string{area}}
	rows, err := web.EngineProjector(p.Engine).Project(ctx, sc)
	var se forecast.ScenarioError
	if errors.As(err, &se) {
		return nil, PublicError(err)
	}
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cache == nil {
		p.cache = map[projKey][]forecast.ResultRow{}
	}
	if _, ok := p.cache[k]; !ok {
		p.cache[k] = rows
		p.order = append(p.order, k)
		if len(p.order) > projectorCache {
			delete(p.cache, p.order[0])
			p.order = p.order[1:]
		}
	}
	return rows, nil
}

// invalidUTF8At returns the offset of the first byte of b that does not start a valid UTF-8
// character, or len(b) if b is valid.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
