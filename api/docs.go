package api

import (
	"embed"
	"net/http"

	swaggerui "github.com/swaggest/swgui/v5/static"
	"github.com/vearutop/statigz"
)

// The interactive API docs at /docs are Swagger UI 5 (5.29.1, Apache-2.0), whose files come
// embedded in the Go module github.com/swaggest/swgui (package v5/static, gzipped), so the
// page needs no internet: everything it loads is served from /docs/ by this binary. Huma's own
// docs page, which loads its script from a CDN, is turned off (apiConfig sets DocsPath "").
// docsui holds the two files of our own: the page and the script that starts Swagger UI on
// /openapi.json (a file, since the page's Content-Security-Policy allows no inline script).

//go:embed docsui/index.html docsui/carecast-docs.js
var docsFS embed.FS

// docsCSP allows only this server's scripts, styles and requests; Swagger UI's icons are
// data: images.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// mountDocs adds GET /docs (the page) and GET /docs/{file} (its script, Swagger UI's files)
// to mux.
func mountDocs(mux *http.ServeMux) {
	page, err := docsFS.ReadFile("docsui/index.html")
	if err != nil {
		panic(err) // embedded above: a broken build
	}
	script, err := docsFS.ReadFile("docsui/carecast-docs.js")
	if err != nil {
		panic(err)
	}
	assets := statigz.FileServer(swaggerui.FS, statigz.OnNotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, "no such file: see /docs")
	}))
	mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) {
		docsHeaders(w)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(page)
	})
	mux.HandleFunc("GET /docs/{file}", func(w http.ResponseWriter, r *http.Request) {
		docsHeaders(w)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if r.PathValue("file") == "carecast-docs.js" {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Write(script)
			return
		}
		http.StripPrefix("/docs/", assets).ServeHTTP(w, r)
	})
}

// docsHeaders sets the security headers the web pages send (package web), with docsCSP.
func docsHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}
