package service

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/carecast/carecast/store"
)

// ScenarioValidator checks scenario documents against the engine's scenario schema
// (Carecast is one).
type ScenarioValidator interface {
	// Schema returns the scenario JSON Schema document.
	Schema() []byte
	// Validate returns nil if doc is a valid scenario. Otherwise it returns an error listing
	// every problem: a joined error (errors.Join, or any error with Unwrap() []error) whose
	// parts are the problems, each of which may implement Located to say where in the
	// document it is (a JSON Pointer such as "/levers/0/start", or a path such as
	// "levers[0].start"). Problems splits it.
	Validate(doc []byte) error
}

// UploadValidator is a ScenarioValidator that also checks a scenario document against the
// uploaded datasets it names (Carecast is one): uploads are the organisation's datasets the
// document names, by ID; an ID missing from it is not the organisation's.
type UploadValidator interface {
	ValidateWith(doc []byte, uploads map[string]Upload) error
}

// Located is implemented by validation problems that know where they are.
type Located interface {
	Location() string
}

// Problem is one problem of a validation error, with its location ("" if unknown).
type Problem struct{ Location, Message string }

// Problems splits a validation error into its parts (see ScenarioValidator.Validate).
func Problems(err error) []Problem {
	var out []Problem
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		p := Problem{Message: e.Error()}
		var l Located
		if errors.As(e, &l) {
			p.Location = l.Location()
		}
		out = append(out, p)
	}
	walk(err)
	return out
}

// InvalidScenario is a scenario document the validator refused; Err lists the problems (see
// Problems; the pages show them as web.InvalidError, an alias).
type InvalidScenario struct{ Err error }

func (e *InvalidScenario) Error() string { return "invalid scenario: " + e.Err.Error() }

// ValidateScenario checks doc with the scenario validator; one that checks documents against
// the datasets they name (UploadValidator) is given the organisation's uploads the document
// names. A document with problems is an *InvalidScenario.
func (s *Service) ValidateScenario(ctx context.Context, orgID string, doc []byte) error {
	var err error
	if uv, ok := s.scenarios.(UploadValidator); ok {
		var uploads map[string]Upload
		if uploads, err = s.UploadsFor(ctx, orgID, doc); err != nil {
			return err
		}
		err = uv.ValidateWith(doc, uploads)
	} else {
		err = s.scenarios.Validate(doc)
	}
	if err != nil {
		return &InvalidScenario{err}
	}
	return nil
}

// createScenario validates doc (ValidateScenario) and stores it as version 1 of a new scenario
// of the organisation.
func (s *Service) createScenario(ctx context.Context, orgID string, doc []byte) (store.Scenario, error) {
	if err := s.ValidateScenario(ctx, orgID, doc); err != nil {
		return store.Scenario{}, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	return s.st.CreateScenario(ctx, store.Scenario{ID: store.NewID("scn"), OrgID: orgID,
		Name: documentName(doc), Document: doc, Created: now, Updated: now})
}

// updateScenario validates doc (ValidateScenario) and stores it as the scenario's next version,
// only if ifVersion is still the latest when ifVersion > 0 (else store.ErrVersionMismatch).
func (s *Service) updateScenario(ctx context.Context, orgID, id string, doc []byte, ifVersion int) (store.Scenario, error) {
	if err := s.ValidateScenario(ctx, orgID, doc); err != nil {
		return store.Scenario{}, err
	}
	return s.st.UpdateScenario(ctx, orgID, id, documentName(doc), doc, ifVersion, time.Now().UTC().Truncate(time.Microsecond))
}

// ScenarioSchema returns the scenario JSON Schema of the scenario validator.
func (s *Service) ScenarioSchema() []byte { return s.scenarios.Schema() }

// documentName returns the document's top-level "name" if it is a non-empty string, else
// "untitled".
func documentName(doc []byte) string {
	var v struct {
		Name any `json:"name"`
	}
	if err := json.Unmarshal(doc, &v); err == nil {
		if n, ok := v.Name.(string); ok && strings.TrimSpace(n) != "" {
			n = strings.TrimSpace(n)
			if r := []rune(n); len(r) > 200 { // characters, as the schema's maxLength counts
				n = string(r[:200])
			}
			return n
		}
	}
	return "untitled"
}
