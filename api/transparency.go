package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/transparency"
)

// TransparencySource builds the ATRS record and the dataset cards (service.Carecast is one).
type TransparencySource interface {
	// Transparency returns the record for carecast version (see service.Carecast.Transparency).
	Transparency(ctx context.Context, version string) (*transparency.Record, error)
	// DatasetCards returns a card per built-in dataset (see service.Carecast.DatasetCards).
	DatasetCards() ([]transparency.DatasetCard, error)
}

type transparencyOutput struct {
	Body *transparency.Record
}

type cardsOutput struct {
	Body []transparency.DatasetCard
}

type cardOutput struct {
	Body transparency.DatasetCard
}

func (s *Service) registerTransparency(api huma.API) {
	src := s.deps.Transparency
	unavailable := func() error { return huma.Error503ServiceUnavailable("no transparency record in this build") }
	register(s, api, huma.Operation{
		OperationID: "get-transparency", Method: http.MethodGet, Path: "/transparency", Tags: []string{"Transparency"},
		Summary: "The Algorithmic Transparency Recording Standard record",
		Description: "carecast's record under the UK Algorithmic Transparency Recording Standard (ATRS), version 3.0, as `carecast transparency` " +
			"prints it: the metadata, Tier 1 (name, description, website, contact) and Tier 2's five sections (owner and responsibility; " +
			"description and rationale; decision-making process; tool specification, with a model specification per model and a data " +
			"specification per dataset; risks, mitigations and impact assessments), and a dataset card per built-in dataset. The model's " +
			"performance comes from the back-tests (the same report as GET /v1/backtest, the 2018 contest first). Every field only the " +
			"deploying council can fill holds \"" + transparency.ToBeCompleted + "\" and is listed in `to_be_completed`. " +
			"Computed from the back-tests on first use (a few seconds).",
		Errors: []int{http.StatusServiceUnavailable},
	}, "transparency record", store.RoleViewer, func(ctx context.Context, _ *struct{}) (*transparencyOutput, error) {
		if src == nil {
			return nil, unavailable()
		}
		rec, err := src.Transparency(ctx, s.deps.Version)
		if err != nil {
			return nil, err
		}
		return &transparencyOutput{Body: rec}, nil
	})
	register(s, api, huma.Operation{
		OperationID: "list-dataset-cards", Method: http.MethodGet, Path: "/datasets/cards", Tags: []string{"Datasets", "Transparency"},
		Summary: "Dataset cards of the built-in datasets",
		Description: "A card per built-in dataset (each kind of the default data, and the supplied projections): what it holds, its publisher, " +
			"edition, licence (Open Government Licence v3.0) and attribution, its years, rows and files (with content hashes), what carecast's " +
			"converter did to it, its known quirks and its intended use. Generated from the data and the repository's provenance; the same cards " +
			"are in the transparency record.",
		Errors: []int{http.StatusServiceUnavailable},
	}, "dataset card", store.RoleViewer, func(ctx context.Context, _ *struct{}) (*cardsOutput, error) {
		if src == nil {
			return nil, unavailable()
		}
		cards, err := src.DatasetCards()
		if err != nil {
			return nil, err
		}
		return &cardsOutput{Body: cards}, nil
	})
	register(s, api, huma.Operation{
		OperationID: "get-dataset-card", Method: http.MethodGet, Path: "/datasets/cards/{name}", Tags: []string{"Datasets", "Transparency"},
		Summary:     "One built-in dataset's card",
		Description: "The card of one built-in dataset (see list-dataset-cards).",
		Errors:      []int{http.StatusNotFound, http.StatusServiceUnavailable},
	}, "dataset card", store.RoleViewer, func(ctx context.Context, in *struct {
		Name string `path:"name" pattern:"^[a-z_]{1,40}$" example:"population" doc:"The dataset's kind, or projections."`
	}) (*cardOutput, error) {
		if src == nil {
			return nil, unavailable()
		}
		cards, err := src.DatasetCards()
		if err != nil {
			return nil, err
		}
		for _, c := range cards {
			if c.Name == in.Name {
				return &cardOutput{Body: c}, nil
			}
		}
		return nil, huma.Error404NotFound("no built-in dataset " + in.Name)
	})
}
