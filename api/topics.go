package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// TopicSource answers the POPPI/PANSI topic operations (service.Carecast implements it).
type TopicSource interface {
	Topics() []service.Topic
	TopicTable(id string, areas []string, from, to int) (*service.TopicTable, error)
	Councils() []string
}

// TopicInfo describes one POPPI or PANSI topic.
type TopicInfo struct {
	ID         string      `json:"id" doc:"Topic identifier." example:"falls"`
	Label      string      `json:"label" doc:"The measure, in POPPI/PANSI's or the source's words."`
	Population string      `json:"population" doc:"The group the rates apply to, e.g. 65+."`
	Programme  string      `json:"programme" doc:"POPPI (people 65+), PANSI (18-64) or POPPI and PANSI."`
	Basis      string      `json:"basis" doc:"What the rates are a share of: population, headline (a study's summary figure, applied only as a stated assumption), share_of_people_with_dementia or share_of_households."`
	Unit       string      `json:"unit" doc:"What a count counts: people, or admissions a year."`
	Tabulated  bool        `json:"tabulated" doc:"Whether /v1/topics/{topic} counts it (shares of people with dementia or of households are listed, not counted)."`
	Note       string      `json:"note" doc:"How the rates are used."`
	Studies    []string    `json:"studies" doc:"The studies its rates come from."`
	Bands      []string    `json:"bands" doc:"The table's age bands (POPPI's 65-69 … 90+, PANSI's 18-24 … 55-64, clipped to the ages the rates cover)."`
	Rates      []TopicRate `json:"rates" doc:"Every published rate of the topic, each with its study and source."`
}

// TopicRate is one published rate of a topic.
type TopicRate struct {
	Label     string   `json:"label"`
	Sex       string   `json:"sex" doc:"female, male or all."`
	AgeFrom   int      `json:"age_from"`
	AgeTo     *int     `json:"age_to" doc:"Last age of the band; null for an open band (and over)."`
	Rate      float64  `json:"rate" doc:"Per person (0..1)."`
	RateLo    *float64 `json:"rate_lo,omitempty" doc:"Lower 95% bound, where published."`
	RateHi    *float64 `json:"rate_hi,omitempty" doc:"Upper 95% bound, where published."`
	Basis     string   `json:"basis"`
	Study     string   `json:"study"`
	SourceURL string   `json:"source_url" doc:"Where the rate can be checked."`
	Locator   string   `json:"locator" doc:"Where in the source: sheet, table, row or quote."`
	Notes     string   `json:"notes,omitempty" doc:"Verification and caveats."`
}

// TopicCell is one row of a topic table.
type TopicCell struct {
	Area             string   `json:"area_code"`
	AreaName         string   `json:"area_name"`
	Year             int      `json:"year" doc:"Mid-year."`
	Band             string   `json:"age_band"`
	Sex              string   `json:"sex" doc:"female, male or all."`
	Count            *float64 `json:"count" doc:"Expected people (or admissions a year); null where no published rate covers the band for this sex."`
	Lo               *float64 `json:"lo,omitempty" doc:"The count at the lower end of the rates' 95% intervals (or of a derived rate's bracket)."`
	Hi               *float64 `json:"hi,omitempty" doc:"The count at the upper end."`
	Population       float64  `json:"population" doc:"People in the band and sex."`
	PopulationSource string   `json:"population_source" doc:"estimate (ONS mid-year estimate) or projection (ONS 2018-based SNPP, principal)."`
	Note             string   `json:"note,omitempty" doc:"A derived or assumed rate, in words."`
}

// TopicTableBody is a topic table.
type TopicTableBody struct {
	Topic   TopicInfo   `json:"topic"`
	Studies []string    `json:"studies" doc:"The studies the table's rates come from: name them under the table."`
	Notes   []string    `json:"notes" doc:"Every note of the rows."`
	Rows    []TopicCell `json:"rows"`
}

func topicInfo(t service.Topic) TopicInfo {
	out := TopicInfo{ID: t.ID, Label: t.Label, Population: t.Population, Programme: t.Programme, Basis: t.Basis, Unit: t.Unit,
		Tabulated: t.Tabulated, Note: t.Note, Studies: t.Studies, Bands: t.Bands, Rates: make([]TopicRate, 0, len(t.Rates))}
	if out.Bands == nil {
		out.Bands = []string{}
	}
	for _, r := range t.Rates {
		tr := TopicRate{Label: r.Label, Sex: r.Sex, AgeFrom: int(r.AgeFrom), Rate: r.Rate, RateLo: r.RateLo, RateHi: r.RateHi,
			Basis: r.Basis, Study: r.Study, SourceURL: r.SourceURL, Locator: r.Locator, Notes: r.Notes}
		if r.AgeTo != datasets.TopicOpenAge {
			to := int(r.AgeTo)
			tr.AgeTo = &to
		}
		out.Rates = append(out.Rates, tr)
	}
	return out
}

type topicTableInput struct {
	Topic  string `path:"topic" maxLength:"80" pattern:"^[a-z0-9_]+$" doc:"Topic identifier (see /v1/topics)." example:"falls"`
	Area   string `query:"area" pattern:"^(E[0-9]{8}|all)$" doc:"GSS code of the area, or all for every council (default all)." example:"E10000032"`
	From   int    `query:"from" minimum:"2011" maximum:"2043" doc:"First mid-year (default 2023)."`
	To     int    `query:"to" minimum:"2011" maximum:"2043" doc:"Last mid-year (default 2040)."`
	Format string `query:"format" enum:"json,csv,xlsx" doc:"json (default), csv or xlsx (Excel, with an about sheet naming the studies and sources)."`
}

// Resolve checks the year range.
func (in *topicTableInput) Resolve(huma.Context) []error {
	if in.From != 0 && in.To != 0 && in.To < in.From {
		return []error{&huma.ErrorDetail{Location: "query.to", Message: "to must not be before from", Value: in.To}}
	}
	return nil
}

type topicTableOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (s *Service) registerTopics(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "list-topics", Method: http.MethodGet, Path: "/topics", Tags: []string{"Topics"},
		Summary: "List POPPI and PANSI topics",
		Description: "Every POPPI and PANSI topic for which carecast holds a published rate, with its study, population, " +
			"measure label, age bands and every rate with its source.",
		Errors: []int{http.StatusServiceUnavailable},
	}, "topic", store.RoleViewer, func(ctx context.Context, _ *struct{}) (*struct{ Body []TopicInfo }, error) {
		if s.deps.Topics == nil {
			return nil, huma.Error503ServiceUnavailable("no topics in this build")
		}
		out := &struct{ Body []TopicInfo }{Body: []TopicInfo{}}
		for _, t := range s.deps.Topics.Topics() {
			out.Body = append(out.Body, topicInfo(t))
		}
		return out, nil
	})

	register(s, api, huma.Operation{
		OperationID: "get-topic", Method: http.MethodGet, Path: "/topics/{topic}", Tags: []string{"Topics"},
		Summary: "One topic for one council or all councils, by 5-year band, sex and year",
		Description: "Rate × population by POPPI/PANSI age band and sex for each mid-year: ONS's mid-year estimate where every district " +
			"has one for that year (2011, 2018, 2020-2022), else ONS's 2018-based principal projection. lo and hi are the counts at " +
			"the ends of the rates' intervals where they have them. JSON answers are objects; csv and xlsx are downloads " +
			"(columns " + strings.Join(service.TopicColumns, ", ") + ").",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
		Responses: map[string]*huma.Response{"200": {Description: "The table", Content: map[string]*huma.MediaType{
			"application/json": {Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[TopicTableBody](), true, "TopicTableBody")},
			"text/csv":         {Schema: &huma.Schema{Type: huma.TypeString}},
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}},
		}}},
	}, "topic", store.RoleViewer, func(ctx context.Context, in *topicTableInput) (*topicTableOutput, error) {
		if s.deps.Topics == nil {
			return nil, huma.Error503ServiceUnavailable("no topics in this build")
		}
		from, to := service.TopicYears(in.From, in.To)
		if to < from {
			return nil, huma.Error422UnprocessableEntity("invalid years", &huma.ErrorDetail{Location: "query.to", Message: "to must not be before from", Value: to})
		}
		areas := []string{in.Area}
		if in.Area == "" || in.Area == "all" {
			areas = s.deps.Topics.Councils()
		}
		tab, err := s.deps.Topics.TopicTable(in.Topic, areas, from, to)
		if errors.Is(err, service.ErrTopicNotFound) {
			return nil, huma.Error404NotFound("topic " + strconv.Quote(in.Topic) + " not found; see /v1/topics")
		}
		if msg, ok := service.PublicMessage(err); ok {
			return nil, huma.Error422UnprocessableEntity(msg)
		}
		if err != nil {
			return nil, err
		}
		name := "carecast-topic-" + in.Topic
		if len(areas) == 1 {
			name += "-" + areas[0]
		}
		name += "-" + strconv.Itoa(from) + "-" + strconv.Itoa(to)
		var buf bytes.Buffer
		switch in.Format {
		case "csv":
			if err := tab.Sheet().WriteCSV(&buf); err != nil {
				return nil, err
			}
			return &topicTableOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="` + name + `.csv"`, Body: buf.Bytes()}, nil
		case "xlsx":
			if err := tab.Sheet().WriteXLSX(&buf); err != nil {
				return nil, err
			}
			return &topicTableOutput{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
				ContentDisposition: `attachment; filename="` + name + `.xlsx"`, Body: buf.Bytes()}, nil
		}
		body := TopicTableBody{Topic: topicInfo(tab.Topic), Studies: tab.Studies, Notes: tab.Notes, Rows: make([]TopicCell, 0, len(tab.Rows))}
		if body.Notes == nil {
			body.Notes = []string{}
		}
		for _, r := range tab.Rows {
			body.Rows = append(body.Rows, TopicCell{Area: r.Area, AreaName: r.AreaName, Year: r.Year, Band: r.Band, Sex: r.Sex,
				Count: r.Count, Lo: r.Lo, Hi: r.Hi, Population: r.Population, PopulationSource: r.PopulationSource, Note: r.Note})
		}
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return nil, err
		}
		return &topicTableOutput{ContentType: "application/json", Body: buf.Bytes()}, nil
	})
}
