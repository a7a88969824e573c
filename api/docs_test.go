package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestDocsServedFromBinary checks the /docs page and its files without a browser (the browser
// test with the network off is web.TestBrowserDocsOffline): the page loads only same-origin
// files, each of which this server serves, gzipped to clients that take it, with the pages'
// security headers.
func TestDocsServedFromBinary(t *testing.T) {
	ts := newTestServer(t, true)
	r := want(t, ts.do("GET", "/docs", "", nil), http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	for k, v := range map[string]string{"Content-Security-Policy": docsCSP, "X-Content-Type-Options": "nosniff",
		"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(string(r.body), `data-openapi="/openapi.json"`) {
		t.Error("the page does not point at /openapi.json")
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(string(r.body), -1)
	if len(refs) < 3 {
		t.Fatalf("page refers to %v", refs)
	}
	for _, m := range refs {
		ref := m[1]
		if !strings.HasPrefix(ref, "/docs/") {
			t.Errorf("page loads %s, which is not served from /docs/", ref)
			continue
		}
		a := want(t, ts.do("GET", ref, "", nil), http.StatusOK)
		if len(a.body) < 100 || a.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d bytes, headers %v", ref, len(a.body), a.header)
		}
	}
	gz := want(t, ts.do("GET", "/docs/swagger-ui-bundle.js", "", nil, "Accept-Encoding", "gzip"), http.StatusOK)
	if gz.header.Get("Content-Encoding") != "gzip" || !strings.Contains(gz.header.Get("Content-Type"), "javascript") {
		t.Errorf("bundle with gzip: headers %v", gz.header)
	}
	plain := want(t, ts.do("GET", "/docs/swagger-ui-bundle.js", "", nil, "Accept-Encoding", "identity"), http.StatusOK)
	if plain.header.Get("Content-Encoding") != "" || !strings.Contains(string(plain.body[:400]), "SwaggerUIBundle") {
		t.Errorf("bundle without gzip: headers %v, starts %.80q", plain.header, plain.body)
	}
	if p := want(t, ts.do("GET", "/docs/nothing.js", "", nil), http.StatusNotFound).problem(t); !strings.Contains(p.Detail, "/docs") {
		t.Errorf("404 detail %q", p.Detail)
	}
}
