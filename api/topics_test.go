package api

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/carecast/carecast/store"
)

func TestTopics(t *testing.T) {
	cc := defaultCarecast(t)
	ts := newTestServer(t, true, func(_ *Config, d *Deps) { d.Areas = cc.Inputs.Areas; d.Topics = cc })
	key := ts.key("alpha", store.RoleViewer)

	var list []TopicInfo
	want(t, ts.do(http.MethodGet, "/v1/topics", key, nil), http.StatusOK).json(t, &list)
	byID := map[string]TopicInfo{}
	for _, tp := range list {
		byID[tp.ID] = tp
		for _, r := range tp.Rates {
			if r.Study == "" || !strings.HasPrefix(r.SourceURL, "http") {
				t.Errorf("%s: a rate without study or source: %+v", tp.ID, r)
			}
		}
	}
	if f := byID["falls"]; f.Programme != "POPPI" || !f.Tabulated || strings.Join(f.Bands, ",") != "65-69,70-74,75-79,80-84,85-89,90+" {
		t.Errorf("falls: %+v", f)
	}
	if h := byID["hearing_moderate_severe_18_64"]; h.Programme != "PANSI" || strings.Join(h.Bands, ",") != "18-24,25-34,35-44,45-54,55-64" {
		t.Errorf("PANSI hearing: %+v", h)
	}
	if s := byID["dementia_severity_share"]; s.Tabulated || s.Basis != "share_of_people_with_dementia" {
		t.Errorf("severity shares: %+v", s)
	}

	var tab TopicTableBody
	want(t, ts.do(http.MethodGet, "/v1/topics/dementia_cfas2?area=E10000032&from=2018&to=2020", key, nil), http.StatusOK).json(t, &tab)
	if len(tab.Studies) != 1 || !strings.Contains(tab.Studies[0], "Ageing Study II") || len(tab.Rows) != 3*6*3 {
		t.Fatalf("CFAS II table: studies %v, %d rows", tab.Studies, len(tab.Rows))
	}
	for _, r := range tab.Rows {
		if r.Count == nil || r.Lo == nil || r.Hi == nil || !(*r.Lo <= *r.Count && *r.Count <= *r.Hi) {
			t.Fatalf("CFAS II row without its range: %+v", r)
		}
		if want := map[int]string{2018: "estimate", 2019: "projection", 2020: "estimate"}[r.Year]; r.PopulationSource != want {
			t.Errorf("%d: population from the %s, want %s", r.Year, r.PopulationSource, want)
		}
	}

	res := want(t, ts.do(http.MethodGet, "/v1/topics/falls?area=E10000032&from=2025&to=2025&format=csv", key, nil), http.StatusOK)
	recs, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil || len(recs) != 1+6*3 || recs[0][6] != "count" {
		t.Fatalf("csv: %v, %d records, header %v", err, len(recs), recs[0])
	}
	res = want(t, ts.do(http.MethodGet, "/v1/topics/falls?area=E10000032&format=xlsx", key, nil), http.StatusOK)
	if _, err := zip.NewReader(bytes.NewReader(res.body), int64(len(res.body))); err != nil {
		t.Fatalf("xlsx: %v", err)
	}

	want(t, ts.do(http.MethodGet, "/v1/topics/no_such_topic", key, nil), http.StatusNotFound)
	want(t, ts.do(http.MethodGet, "/v1/topics/dementia_subtype_share?area=E10000032", key, nil), http.StatusUnprocessableEntity)
	want(t, ts.do(http.MethodGet, "/v1/topics/falls?area=E10000032&from=2030&to=2020", key, nil), http.StatusUnprocessableEntity)
}
