package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
)

// comparatorYear is the year the comparators page reports growth to.
const comparatorYear = 2035

// comparatorRow is one council on the comparators page. Numbers are NaN where the projection
// has none.
type comparatorRow struct {
	Area     forecast.AreaInfo
	Self     bool
	Rank     int
	Distance float64
	// Features, in service.NeighbourFeatures order; HasIDAOPI false where not published.
	Share65, Share75, Share85, IMD, IDAOPI float64
	HasIDAOPI                              bool
	// In the base year: people 65+, of them unable to manage at least one self-care activity
	// without help, council-funded residents of care homes (residential and nursing, 18+),
	// home-care clients (18+), and the cost per head of population 18+ (£ a year).
	Pop65, Need65, CareHomes, HomeCare, CostPerHead float64
	// Growth from the base year to comparatorYear: people 65+, need 65+, total cost (18+).
	Pop65Growth, NeedGrowth, CostGrowth string
	Problem                             string
}

type comparatorsPage struct {
	base
	Area        forecast.AreaInfo
	Problem     string
	BaseYear    int
	Year        int
	FeatureYear int
	Draws       int
	Rows        []comparatorRow
	Method      string
	Missing     []string
	CostUnit    string
}

func (s *site) comparators(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	a := s.areas.get(r.PathValue("code"))
	if a == nil {
		s.fail(w, r, &p, http.StatusNotFound, "Area not found", "There is no area with the code "+r.PathValue("code")+". Search for it by name.")
		return
	}
	d := &comparatorsPage{base: base{Title: a.Name + ": statistical neighbours", User: &p, Section: "areas"}, Area: *a, Year: comparatorYear}
	switch {
	case !a.IsCouncil() || a.ValidTo != "":
		d.Problem = "Statistical neighbours are chosen among the councils with social services responsibilities in force; " + a.Name + " is not one."
		if par := s.areas.get(a.Parent); par != nil && par.IsCouncil() {
			d.Problem += " See its council, " + par.Name + "."
		}
		s.render(w, r, http.StatusOK, "comparators", d)
		return
	case s.d.Neighbours == nil:
		d.Problem = "This server has no statistical neighbours to show."
		s.render(w, r, http.StatusOK, "comparators", d)
		return
	}
	set, err := s.d.Neighbours.Neighbours(a.Code, service.DefaultNeighbours)
	if err != nil {
		s.failErr(w, r, &p, "neighbours", err)
		return
	}
	d.Method, d.Missing, d.FeatureYear = set.Method, set.Missing, set.BaseYear
	d.Rows = append(d.Rows, s.comparatorRow(r, set.Council, 0, 0, d))
	for i, n := range set.Neighbours {
		d.Rows = append(d.Rows, s.comparatorRow(r, n.Features, i+1, n.Distance, d))
	}
	if d.Rows[0].Problem != "" {
		d.Problem = d.Rows[0].Problem
	}
	s.render(w, r, http.StatusOK, "comparators", d)
}

// comparatorRow projects one council's baseline as its overview does (the same scenario, so
// the same cached projection) and reads the page's numbers from it.
func (s *site) comparatorRow(r *http.Request, f service.Features, rank int, dist float64, d *comparatorsPage) comparatorRow {
	nan := math.NaN
	row := comparatorRow{Self: rank == 0, Rank: rank, Distance: dist, Share65: f.Values[0], Share75: f.Values[1], Share85: f.Values[2], IMD: f.Values[3],
		IDAOPI: f.Values[4], HasIDAOPI: f.Has(4),
		Pop65: nan(), Need65: nan(), CareHomes: nan(), HomeCare: nan(), CostPerHead: nan(), Pop65Growth: "–", NeedGrowth: "–", CostGrowth: "–"}
	if a := s.areas.get(f.Code); a != nil {
		row.Area = *a
	} else {
		row.Area = forecast.AreaInfo{Code: f.Code, Name: f.Name}
	}
	sc := baselineScenario(&row.Area)
	d.Draws = sc.Uncertainty.Draws
	rows, err := s.project(r.Context(), sc)
	if err != nil {
		var se forecast.ScenarioError
		switch {
		case errors.Is(err, errNoProjector):
			row.Problem = "This server has no forecast engine, so it cannot project these councils."
		case errors.As(err, &se):
			row.Problem = row.Area.Name + " cannot be projected: " + se.Error()
		default:
			s.log.Error("comparators: projection", "area", f.Code, "err", err)
			row.Problem = fmt.Sprintf("%s could not be projected.", row.Area.Name)
		}
		return row
	}
	fr := newFrame(rows)
	base := fr.first()
	if d.BaseYear == 0 {
		d.BaseYear = base
	}
	v := func(m, band string, y int) float64 {
		if x, ok := fr.get(f.Code, m, "all", band, y); ok {
			return x.Mean
		}
		return nan()
	}
	row.Pop65 = v("population", "65+", base)
	row.Need65 = v("need.adl_need_help", "65+", base)
	row.CareHomes = v("service.residential", "18+", base) + v("service.nursing", "18+", base)
	row.HomeCare = v("service.home_care", "18+", base)
	cost := v("cost.total", "18+", base)
	row.CostPerHead = cost / v("population", "18+", base)
	d.CostUnit = fr.units["cost.total"]
	if y := comparatorYear; y > base {
		row.Pop65Growth = pct(row.Pop65, v("population", "65+", y))
		row.NeedGrowth = pct(row.Need65, v("need.adl_need_help", "65+", y))
		row.CostGrowth = pct(cost, v("cost.total", "18+", y))
	}
	return row
}
