package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestTopicPage shows falls for West Sussex in 2018 (mid-2018 estimates), with the study under
// the table and the downloads, and the CFAS II dementia table with its ranges.
func TestTopicPage(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	if p := c.get("/topics"); p.status != http.StatusOK || !strings.Contains(p.body, `href="/topics/falls"`) || !strings.Contains(p.body, "Health Survey for England 2005") {
		t.Fatalf("topic list: %d", p.status)
	}
	p := c.get("/topics/falls?area=E10000032&from=2018&to=2020")
	if p.status != http.StatusOK {
		t.Fatalf("falls: %d", p.status)
	}
	for _, want := range []string{"West Sussex", "<th scope=\"row\">85-89</th>", "Study: Health Survey for England 2005",
		`href="/topics/falls/data.csv?area=E10000032&amp;from=2018&amp;to=2020"`, `/topics/falls/data.xlsx?`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("falls page lacks %s", want)
		}
	}
	if p := c.get("/topics/dementia_cfas2?area=E10000032&from=2018&to=2018"); !strings.Contains(p.body, "(range in brackets)") {
		t.Error("CFAS II page shows no ranges")
	}
	if p := c.get("/topics/falls/data.csv?area=E10000032&from=2018&to=2018"); p.status != http.StatusOK || !strings.HasPrefix(p.body, "area_code,area_name,year,topic") {
		t.Errorf("csv download: %d %.60s", p.status, p.body)
	}
	if p := c.get("/topics/no_such"); p.status != http.StatusNotFound {
		t.Errorf("unknown topic: %d", p.status)
	}
	if p := c.get("/topics/dementia_subtype_share"); p.status != http.StatusOK || !strings.Contains(p.body, "not counted") {
		t.Errorf("shares page: %d", p.status)
	}
}
