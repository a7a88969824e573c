package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/forecast"
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
