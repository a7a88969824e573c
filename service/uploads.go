package service

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
)

// Upload is an uploaded dataset file that a scenario names (forecast.Scenario.Datasets).
type Upload struct {
	ID   string // dst_…
	Kind string // its dataset kind
	Path string // the file, absolute
	// Hash is the file's SHA-256 as stored with it ("sha256:…"): Carecasts on uploads are kept
	// by it, so a file is read only to build one, and checked against it then.
	Hash string
}

// maxUploadCarecasts is how many Carecasts on uploaded data one Carecast keeps.
const maxUploadCarecasts = 8

// uploadCache keeps the Carecasts built on uploads, by the uploads' kinds and content hashes.
type uploadCache struct {
	mu    sync.Mutex
	byKey map[string]*uploadEntry
	order []string
}

type uploadEntry struct {
	once sync.Once
	c    *Carecast
	err  error
}

// Parse validates a scenario document for the data it names: against the JSON Schema, then,
// on the Carecast of its data (ForScenario: c itself, or c's data with the uploads it names),
// against that data (forecast.Scenario.Check). It returns the scenario with defaults filled in
// and that Carecast, or every problem at once (a forecast.ScenarioError, or an error joining
// them). It is the one validation of a scenario: the API's, the pages' and a run's.
func (c *Carecast) Parse(doc []byte, uploads map[string]Upload) (forecast.Scenario, *Carecast, error) {
	if len(uploads) == 0 && !namesUploads(doc) {
		sc, err := c.Scenarios.Parse(doc)
		return sc, c, err
	}
	sc, err := c.docSchema().Parse(doc)
	if err != nil {
		return forecast.Scenario{}, nil, err
	}
	on, err := c.ForScenario(sc, uploads)
	if err != nil {
		return forecast.Scenario{}, nil, err
	}
	sc, err = on.Scenarios.Parse(doc)
	return sc, on, err
}

// namesUploads reports whether a scenario document names datasets (cheaply, before parsing).
func namesUploads(doc []byte) bool { return strings.Contains(string(doc), "dst_") }

// docSchema is the validator of scenario documents alone, without the data.
func (c *Carecast) docSchema() *ScenarioSchema {
	c.docOnce.Do(func() { c.doc = NewScenarioSchema(nil) })
	return c.doc
}

// ForScenario returns carecast on the data sc runs on: c itself when sc names no uploads;
// otherwise a Carecast on c's bundle with each named upload in place of its kind
// (datasets.Bundle.With), its engine and error models built from that bundle, and the
// uploads checked to hold what sc needs (datasets.Covers). Problems are a
// forecast.ScenarioError whose paths are sc's datasets[i], saying what is missing. uploads
// gives each upload sc names by its ID. Carecasts on the same files are built once and kept.
func (c *Carecast) ForScenario(sc forecast.Scenario, uploads map[string]Upload) (*Carecast, error) {
	sc = sc.WithDefaults()
	named := sc.Uploads()
	if len(named) == 0 {
		return c, nil
	}
	var errs forecast.ScenarioError
	chosen := map[string]Upload{} // by kind
	var key strings.Builder
	for i, d := range sc.Datasets {
		if d.Dataset == "default" {
			continue
		}
		path := fmt.Sprintf("datasets[%d].dataset", i)
		u, ok := uploads[d.Dataset]
		switch {
		case !ok:
			errs = append(errs, forecast.FieldError{Path: path, Message: fmt.Sprintf("no dataset %s in your organisation", d.Dataset)})
			continue
		case u.Kind != d.Kind:
			errs = append(errs, forecast.FieldError{Path: path, Message: fmt.Sprintf("dataset %s is a %s dataset, not %s", d.Dataset, u.Kind, d.Kind)})
			continue
		}
		if u.Hash == "" { // not recorded: hash the file to key the cache by its content
			data, err := os.ReadFile(u.Path)
			if err != nil {
				return nil, fmt.Errorf("reading dataset %s: %w", d.Dataset, err)
			}
			u.Hash = "sha256:" + datasets.ContentHash(data)
		}
		chosen[d.Kind] = u
		fmt.Fprintf(&key, "%s=%s;", d.Kind, u.Hash)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	c.uploads.mu.Lock()
	if c.uploads.byKey == nil {
		c.uploads.byKey = map[string]*uploadEntry{}
	}
	ent := c.uploads.byKey[key.String()]
	if ent == nil {
		ent = &uploadEntry{}
		c.uploads.byKey[key.String()] = ent
		c.uploads.order = append(c.uploads.order, key.String())
		if len(c.uploads.order) > maxUploadCarecasts {
			delete(c.uploads.byKey, c.uploads.order[0])
			c.uploads.order = c.uploads.order[1:]
		}
	}
	c.uploads.mu.Unlock()
	ent.once.Do(func() { ent.c, ent.err = c.withUploads(sc, chosen) })
	if ent.err != nil {
		return nil, ent.err
	}
	// The files are the same; what this scenario needs of them may not be.
	if err := ent.c.covers(sc, named); err != nil {
		return nil, err
	}
	return ent.c, nil
}

// withUploads builds a Carecast on c's bundle with the uploads (by kind) in place of their
// kinds, each file read once and checked against its stored hash.
func (c *Carecast) withUploads(sc forecast.Scenario, chosen map[string]Upload) (*Carecast, error) {
	b := c.Bundle
	var errs forecast.ScenarioError
	for i, d := range sc.Datasets {
		u, ok := chosen[d.Kind]
		if !ok {
			continue
		}
		data, err := os.ReadFile(u.Path)
		if err != nil {
			return nil, fmt.Errorf("reading dataset %s: %w", d.Dataset, err)
		}
		if got := "sha256:" + datasets.ContentHash(data); u.Hash != "" && got != u.Hash {
			return nil, fmt.Errorf("dataset %s: its file no longer matches the hash stored with it (%s, now %s)", d.Dataset, u.Hash, got)
		}
		nb, err := b.With(datasets.Kind(d.Kind), data, datasets.ReadOptions{Name: d.Dataset})
		if ve, ok := datasets.IsValidation(err); ok {
			errs = append(errs, forecast.FieldError{Path: fmt.Sprintf("datasets[%d].dataset", i), Message: ve.Error()})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", d.Dataset, err)
		}
		b = nb
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return Open(b)
}

// covers checks that the uploads sc names hold what sc needs of each kind.
func (c *Carecast) covers(sc forecast.Scenario, named map[string]string) error {
	var errs forecast.ScenarioError
	for i, d := range sc.Datasets {
		if _, ok := named[d.Kind]; !ok || partialKinds[d.Kind] {
			continue
		}
		need, ok := datasets.ScenarioCoverage(c.Bundle, sc, datasets.Kind(d.Kind))
		if !ok {
			continue
		}
		var ce *datasets.CoverageError
		if err := datasets.Covers(c.Bundle, datasets.Kind(d.Kind), need); errors.As(err, &ce) {
			errs = append(errs, forecast.FieldError{Path: fmt.Sprintf("datasets[%d].dataset", i),
				Message: fmt.Sprintf("dataset %s lacks what the scenario needs: %s", d.Dataset, strings.Join(ce.Missing, "; "))})
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// partialKinds are kinds whose rows override the built-in data where given and leave the rest
// to it (the engine falls back on the scenario's or the default unit cost, saying so in the
// provenance, and supply is compared only where it is known), so an upload of them need not
// cover anything.
var partialKinds = map[string]bool{string(datasets.KindUnitCosts): true, string(datasets.KindSupply): true}
