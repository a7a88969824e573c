package service

import (
	"context"
	"fmt"
	"path"
	"slices"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/transparency"
)

// DatasetCards returns a card for every dataset of c's data that the built-in provenance
// describes (defaultdata.Provenances: every file of the embedded default data), in its order:
// the provenance's publisher, edition, licence, converter, quirks and intended use, with the
// rows, years, areas, publications and files (size and content hash) of the data c runs on.
// It fails if a projection file cannot be read.
func (c *Carecast) DatasetCards() ([]transparency.DatasetCard, error) {
	c.cardsOnce.Do(func() { c.cards, c.cardsErr = datasetCards(c.Bundle) })
	return slices.Clone(c.cards), c.cardsErr
}

func datasetCards(b *datasets.Bundle) ([]transparency.DatasetCard, error) {
	files := map[string]datasets.Summary{}
	for _, f := range b.Files {
		files[string(f.Kind)] = f
	}
	var out []transparency.DatasetCard
	for _, p := range defaultdata.Provenances() {
		card := transparency.DatasetCard{Name: p.Name, Holds: p.Holds, Publisher: p.Publisher, Edition: p.Edition,
			Licence: p.Licence, Attribution: p.Attribution, SourceURL: p.SourceURL, DataYears: p.DataYears,
			Converter: p.Converter, Quirks: p.Quirks, IntendedUse: p.IntendedUse, Sources: []string{}, Files: []transparency.DatasetFile{}}
		if p.Name == defaultdata.Projections {
			if len(b.Projections) == 0 {
				continue
			}
			var sources []string
			for _, l := range b.Projections {
				st, err := l.Stat()
				if err != nil {
					return nil, fmt.Errorf("dataset card %s: %w", p.Name, err)
				}
				card.Files = append(card.Files, transparency.DatasetFile{File: st.File, Bytes: st.Bytes, ContentHash: hash(st.ContentHash), Rows: st.Rows})
				card.Rows += st.Rows
				if l.Variant != "principal" {
					sources = append(sources, "SNPP 2018 variant derived by the Strategy Unit")
				}
			}
			// The principal is read with the data; its cube gives the areas, years and sources
			// (the variants, read on first use, share its areas and years).
			cube, err := principalCube(b)
			if err != nil {
				return nil, fmt.Errorf("dataset card %s: %w", p.Name, err)
			}
			if cube != nil {
				card.Areas = len(cube.Cells)
				for _, years := range cube.Cells {
					for y := range years {
						if card.YearFrom == 0 || y < card.YearFrom {
							card.YearFrom = y
						}
						card.YearTo = max(card.YearTo, y)
					}
				}
				sources = append(sources, datasets.Publications(cube.Sources)...)
			}
			card.Sources = datasets.Publications(sources)
			out = append(out, card)
			continue
		}
		f, ok := files[p.Name]
		if !ok {
			continue
		}
		card.Rows, card.Areas, card.YearFrom, card.YearTo = int64(f.Rows), f.Areas, int(f.YearFrom), int(f.YearTo)
		card.Sources = datasets.Publications(f.Sources)
		card.Files = append(card.Files, transparency.DatasetFile{File: path.Clean(f.File), Bytes: f.Bytes, ContentHash: hash(f.ContentHash), Rows: int64(f.Rows)})
		out = append(out, card)
	}
	return out, nil
}

func hash(h string) string {
	if h == "" {
		return ""
	}
	return "sha256:" + h
}

// principalCube returns the principal projection's counts (read with the data), or nil.
func principalCube(b *datasets.Bundle) (*datasets.PopulationCube, error) {
	for _, l := range b.Projections {
		if l.Variant == "principal" {
			return l.Cube()
		}
	}
	return nil, nil
}

// Transparency returns carecast's Algorithmic Transparency Recording Standard record on c's
// data (package transparency): the model's description, the back-tests c runs (computed once,
// as for GET /v1/backtest), the dataset cards and version; the API and the CLI serve what it
// returns. It fails if the back-tests or the dataset cards fail, or ctx is done first.
func (c *Carecast) Transparency(ctx context.Context, version string) (*transparency.Record, error) {
	type result struct {
		rec *transparency.Record
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, svc, err := c.Backtests()
		if err != nil {
			done <- result{nil, fmt.Errorf("back-tests: %w", err)}
			return
		}
		cards, err := c.DatasetCards()
		if err != nil {
			done <- result{nil, err}
			return
		}
		rec, err := transparency.Build(transparency.Inputs{Version: version, Population: rep, Services: svc, Datasets: cards})
		done <- result{rec, err}
	}()
	select {
	case r := <-done:
		return r.rec, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
