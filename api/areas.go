package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// Area is one area of the areas table, with its place in the hierarchy.
type Area struct {
	Code      string `json:"code" doc:"GSS code." example:"E08000019"`
	Name      string `json:"name" doc:"Name." example:"Sheffield"`
	Type      string `json:"type" doc:"country, region, county, unitary, metropolitan_district, london_borough or non_metropolitan_district."`
	Parent    string `json:"parent,omitempty" doc:"The area one level up."`
	Region    string `json:"region,omitempty" doc:"The region it lies in."`
	Council   bool   `json:"council" doc:"Whether it is a council with adult social services responsibilities."`
	ValidFrom string `json:"valid_from,omitempty" doc:"First day, if it was created in the period the data covers."`
	ValidTo   string `json:"valid_to,omitempty" doc:"Last day, if it has ended."`
	Successor string `json:"successor,omitempty" doc:"The area that took it over, if it ended."`
}

// AreaDetail is an area with the areas above and below it.
type AreaDetail struct {
	Area
	Ancestors    []Area              `json:"ancestors" doc:"The areas it lies in, from the nearest up to England."`
	Children     []Area              `json:"children" doc:"The areas directly under it that are in force."`
	Predecessors []Area              `json:"predecessors,omitempty" doc:"Areas that ended and were taken over by it."`
	Deprivation  []DeprivationFigure `json:"deprivation,omitempty" doc:"English Indices of Deprivation 2019 figures of the area; a figure not published for it has no value and a note saying why."`
}

// DeprivationFigure is one deprivation figure of an area.
type DeprivationFigure struct {
	Measure string   `json:"measure" doc:"imd_average_score, imd_rank_of_average_score, imd_income_score or idaopi_average_score."`
	Label   string   `json:"label" doc:"What the measure is, in words."`
	Value   *float64 `json:"value" doc:"The figure; null where it is not available."`
	Edition string   `json:"edition,omitempty" doc:"e.g. IoD2019."`
	Method  string   `json:"method,omitempty" doc:"published, or how carecast derived it (e.g. population-weighted mean of the districts' scores)."`
	Source  string   `json:"source,omitempty" doc:"Publisher and edition."`
	Note    string   `json:"note,omitempty" doc:"Why the figure is not available."`
}

func areaBody(a *forecast.AreaInfo) Area {
	return Area{Code: a.Code, Name: a.Name, Type: a.Type, Parent: a.Parent, Region: a.Region, Council: a.IsCouncil() && a.ValidTo == "",
		ValidFrom: a.ValidFrom, ValidTo: a.ValidTo, Successor: a.Successor}
}

type baselineInput struct {
	Code    string   `path:"code" pattern:"^E[0-9]{8}$" doc:"GSS code of the area."`
	From    int      `query:"from" minimum:"2022" maximum:"2070" doc:"First year (default 2022, the default base year)."`
	To      int      `query:"to" minimum:"2021" maximum:"2070" doc:"Last year (default 2045)."`
	Measure []string `query:"measure" maxItems:"50" doc:"Measures to return (default all), e.g. population, need.dementia, service.home_care."`
	Sex     string   `query:"sex" enum:"female,male,all" doc:"Only this sex."`
	AgeBand string   `query:"age_band" maxLength:"10" doc:"Only this age band, e.g. 65+."`
}

// Resolve checks the year range.
func (in *baselineInput) Resolve(huma.Context) []error {
	if in.From != 0 && in.To != 0 && in.To < in.From {
		return []error{&huma.ErrorDetail{Location: "query.to", Message: "to must not be before from", Value: in.To}}
	}
	return nil
}

func (s *Service) registerAreas(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "list-areas", Method: http.MethodGet, Path: "/areas", Tags: []string{"Areas"},
		Summary:     "List and search areas",
		Description: "England, its regions, councils and districts on April 2023 boundaries; with include_ended, the areas that ended in 2019–2023 too.",
	}, "area", store.RoleViewer, func(ctx context.Context, in *struct {
		Q            string `query:"q" maxLength:"100" doc:"Search: part of the name or code, any case; punctuation and \"saint\"/\"st\" do not matter (\"st helens\" finds St. Helens)."`
		Type         string `query:"type" enum:"country,region,county,unitary,metropolitan_district,london_borough,non_metropolitan_district,council" doc:"Only this type (council: every council with social services responsibilities)."`
		Parent       string `query:"parent" pattern:"^E[0-9]{8}$" doc:"Only areas directly under this one."`
		IncludeEnded bool   `query:"include_ended" doc:"Include areas that have ended."`
	}) (*struct{ Body []Area }, error) {
		q, code := forecast.SearchKey(in.Q), strings.ToUpper(strings.TrimSpace(in.Q))
		out := &struct{ Body []Area }{Body: []Area{}}
		for i := range s.deps.Areas {
			a := &s.deps.Areas[i]
			switch {
			case a.ValidTo != "" && !in.IncludeEnded,
				in.Type == "council" && !a.IsCouncil(),
				in.Type != "" && in.Type != "council" && a.Type != in.Type,
				in.Parent != "" && a.Parent != in.Parent,
				q != "" && !strings.Contains(forecast.SearchKey(a.Name), q) && !strings.Contains(a.Code, code):
				continue
			}
			out.Body = append(out.Body, areaBody(a))
		}
		slices.SortStableFunc(out.Body, func(a, b Area) int { return strings.Compare(a.Name, b.Name) })
		return out, nil
	})

	register(s, api, huma.Operation{
		OperationID: "get-area", Method: http.MethodGet, Path: "/areas/{code}", Tags: []string{"Areas"},
		Summary: "Get an area with its hierarchy", Errors: []int{http.StatusNotFound},
	}, "area", store.RoleViewer, func(ctx context.Context, in *struct {
		Code string `path:"code" pattern:"^E[0-9]{8}$" doc:"GSS code."`
	}) (*struct{ Body AreaDetail }, error) {
		byCode := map[string]*forecast.AreaInfo{}
		for i := range s.deps.Areas {
			byCode[s.deps.Areas[i].Code] = &s.deps.Areas[i]
		}
		a := byCode[in.Code]
		if a == nil {
			return nil, store.ErrNotFound
		}
		d := AreaDetail{Area: areaBody(a), Ancestors: []Area{}, Children: []Area{}}
		for p := byCode[a.Parent]; p != nil; p = byCode[p.Parent] {
			d.Ancestors = append(d.Ancestors, areaBody(p))
		}
		for i := range s.deps.Areas {
			c := &s.deps.Areas[i]
			if c.Parent == a.Code && c.ValidTo == "" {
				d.Children = append(d.Children, areaBody(c))
			}
			if c.Successor == a.Code {
				d.Predecessors = append(d.Predecessors, areaBody(c))
			}
		}
		for _, l := range a.DeprivationLines() {
			f := DeprivationFigure{Measure: l.Measure, Label: l.Label, Edition: l.Edition, Method: l.Method, Source: l.Source, Note: l.Note}
			if l.Available {
				v := l.Value
				f.Value = &v
			}
			d.Deprivation = append(d.Deprivation, f)
		}
		return &struct{ Body AreaDetail }{Body: d}, nil
	})

	register(s, api, huma.Operation{
		OperationID: "area-baseline", Method: http.MethodGet, Path: "/areas/{code}/baseline", Tags: []string{"Areas"},
		Summary: "Quick baseline projection of one area",
		Description: "Runs the baseline (no scenario) for one area synchronously and returns the tidy result rows " +
			"(p10 = p50 = p90 = mean). Answers come from a cache when the same area and years were asked before.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
	}, "area", store.RoleViewer, func(ctx context.Context, in *baselineInput) (*struct{ Body []ResultRow }, error) {
		if s.deps.Projector == nil {
			return nil, huma.Error503ServiceUnavailable("no forecast engine in this build")
		}
		from, to := in.From, in.To
		if from == 0 {
			from = forecast.DefaultBaseYear
		}
		if to == 0 {
			to = forecast.DefaultHorizon
		}
		if !slices.ContainsFunc(s.deps.Areas, func(a forecast.AreaInfo) bool { return a.Code == in.Code }) {
			return nil, store.ErrNotFound
		}
		rows, err := s.deps.Projector.Baseline(ctx, in.Code, from, to)
		var se forecast.ScenarioError
		if errors.As(err, &se) {
			// The projection's problems are the query's: say which parameter.
			var details []error
			for _, f := range se {
				loc := map[string]string{"base_year": "query.from", "horizon": "query.to"}[f.Path]
				if loc == "" {
					loc = "path.code"
				}
				details = append(details, &huma.ErrorDetail{Location: loc, Message: f.Message})
			}
			return nil, huma.Error422UnprocessableEntity("this baseline cannot be projected", details...)
		}
		if err != nil {
			return nil, err
		}
		out := &struct{ Body []ResultRow }{Body: make([]ResultRow, 0, len(rows))}
		for _, r := range rows {
			if (len(in.Measure) > 0 && !slices.Contains(in.Measure, r.Measure)) || (in.Sex != "" && r.Sex != in.Sex) ||
				(in.AgeBand != "" && r.AgeBand != in.AgeBand) {
				continue
			}
			out.Body = append(out.Body, resultBody(r))
		}
		return out, nil
	})
}

// NeighbourSource chooses councils' statistical neighbours (service.Carecast is one).
type NeighbourSource interface {
	// Neighbours returns the k nearest neighbours of a council in force (see
	// service.Carecast.Neighbours).
	Neighbours(code string, k int) (*service.NeighbourSet, error)
}

// NeighbourFeatures are the features a council's neighbours are chosen on.
type NeighbourFeatures struct {
	Share65 float64  `json:"share_65_plus" doc:"Share of the population aged 65 and over at the base year, 0-1."`
	Share75 float64  `json:"share_75_plus" doc:"Share aged 75 and over, 0-1."`
	Share85 float64  `json:"share_85_plus" doc:"Share aged 85 and over, 0-1."`
	IMD     float64  `json:"imd_average_score" doc:"Index of Multiple Deprivation 2019, average score (higher is more deprived)."`
	IDAOPI  *float64 `json:"idaopi_average_score" doc:"Income Deprivation Affecting Older People 2019, average score; null where not published (councils formed since April 2019)."`
}

// AreaNeighbour is one statistical neighbour.
type AreaNeighbour struct {
	Area
	Rank     int               `json:"rank" doc:"1 for the nearest."`
	Distance float64           `json:"distance" doc:"Euclidean distance between the two councils' standardised features (see method)."`
	Features NeighbourFeatures `json:"features"`
	Compared []string          `json:"compared" doc:"The features the distance was measured on: those both councils have."`
}

// AreaNeighbours is a council's statistical neighbours, nearest first.
type AreaNeighbours struct {
	Area       Area              `json:"area"`
	BaseYear   int               `json:"base_year" doc:"The year of the population shares."`
	Features   NeighbourFeatures `json:"features" doc:"The council's own features."`
	Missing    []string          `json:"missing,omitempty" doc:"The council's features the data does not have, and what is used instead."`
	Method     string            `json:"method" doc:"How the neighbours are chosen, and what the data lacks (rurality)."`
	Neighbours []AreaNeighbour   `json:"neighbours"`
}

func neighbourFeatures(f service.Features) NeighbourFeatures {
	nf := NeighbourFeatures{Share65: f.Values[0], Share75: f.Values[1], Share85: f.Values[2], IMD: f.Values[3]}
	if f.Has(4) {
		v := f.Values[4]
		nf.IDAOPI = &v
	}
	return nf
}

func (s *Service) registerNeighbours(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "area-neighbours", Method: http.MethodGet, Path: "/areas/{code}/neighbours", Tags: []string{"Areas"},
		Summary: "Statistical neighbours of a council",
		Description: "The councils most alike in age structure (shares 65+, 75+ and 85+) and deprivation (IMD 2019, and IDAOPI " +
			"where published), by Euclidean distance on standardised features, nearest first; `method` says how in full.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
	}, "area", store.RoleViewer, func(ctx context.Context, in *struct {
		Code string `path:"code" pattern:"^E[0-9]{8}$" doc:"GSS code of a council with social services responsibilities."`
		K    int    `query:"k" minimum:"1" maximum:"30" default:"10" doc:"How many neighbours (CIPFA's model gives 15)."`
	}) (*struct{ Body AreaNeighbours }, error) {
		if s.deps.Neighbours == nil {
			return nil, huma.Error503ServiceUnavailable("no statistical neighbours in this build")
		}
		byCode := map[string]*forecast.AreaInfo{}
		for i := range s.deps.Areas {
			byCode[s.deps.Areas[i].Code] = &s.deps.Areas[i]
		}
		a := byCode[in.Code]
		if a == nil {
			return nil, store.ErrNotFound
		}
		if !a.IsCouncil() || a.ValidTo != "" {
			return nil, huma.Error422UnprocessableEntity("statistical neighbours are chosen among the councils in force", &huma.ErrorDetail{
				Location: "path.code", Message: a.Name + " is not a council with social services responsibilities in force", Value: in.Code})
		}
		set, err := s.deps.Neighbours.Neighbours(in.Code, in.K)
		if err != nil {
			return nil, err
		}
		out := AreaNeighbours{Area: areaBody(a), BaseYear: set.BaseYear, Features: neighbourFeatures(set.Council), Missing: set.Missing,
			Method: set.Method, Neighbours: make([]AreaNeighbour, 0, len(set.Neighbours))}
		for i, n := range set.Neighbours {
			an := AreaNeighbour{Rank: i + 1, Distance: n.Distance, Features: neighbourFeatures(n.Features), Compared: n.Compared}
			if b := byCode[n.Code]; b != nil {
				an.Area = areaBody(b)
			} else {
				an.Area = Area{Code: n.Code, Name: n.Name, Council: true}
			}
			out.Neighbours = append(out.Neighbours, an)
		}
		return &struct{ Body AreaNeighbours }{Body: out}, nil
	})
}
