package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web/chart"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CookieName is the cookie that carries a signed-in person's API key (HttpOnly,
// SameSite=Strict, Secure over TLS).
const CookieName = "carecast_key"

// maxFormBytes caps a form's body.
const maxFormBytes = 64 << 10

// Deps are what the pages read and call. Register needs Backend and Auth; the other fields may be nil,
// and the pages that need them then say what is missing.
type Deps struct {
	// Backend stores scenarios, starts and reads runs (service.Service).
	Backend Backend
	// Auth checks API keys (package api: Service.WebAuth).
	Auth Authenticator
	// Results reads the results of runs that succeeded.
	Results ResultsSource
	// Projector projects one area at once, for area overviews and the baselines that runs are
	// compared with (service.Carecast).
	Projector Projector
	// Neighbours chooses councils' statistical neighbours, for the comparators page
	// (service.Carecast). Nil: the page says it has none.
	Neighbours NeighbourSource
	// Accuracy gives the accuracy line of area pages, from the back-tests (service.Carecast).
	// Nil: the pages have no accuracy line.
	Accuracy AccuracySource
	// Areas is the areas table (areas that ended are shown with their successors).
	Areas []forecast.AreaInfo
	// Catalog gives the base years, the last year of the assumptions and the need measures
	// that scenario forms offer (engine.Inputs is one). Nil: base year 2022, horizon up to 2045.
	Catalog forecast.Catalog
	// Assumptions says where the unit costs the scenario form prefills come from and what
	// supply the data has (service.Carecast). Nil: the form shows the values without sources.
	Assumptions AssumptionSource
	// Topics answers the POPPI/PANSI topic pages (service.Carecast). Nil: those pages say so.
	Topics TopicSource
	// Closing, when closed, ends the run event streams (the server is shutting down). Nil:
	// they end with their requests.
	Closing <-chan struct{}
	// RunEnd gives the data of a run event stream's end event, the final run (package api:
	// the API's Run, so that the pages' stream is the API's). Nil: the run's progress
	// (service.RunProgress).
	RunEnd func(store.Run) any
	// WriteTimeout bounds each write of a download or event stream (the server's
	// WriteTimeout would otherwise cut long ones); 0 leaves the connection's deadline alone.
	WriteTimeout time.Duration
	// Logger logs internal errors. Nil: nothing is logged.
	Logger *slog.Logger
	// Version is the software version shown at the foot of every page.
	Version string
}

// Routes lists the page routes Register adds, for documentation and tests.
var Routes = []string{
	"GET /{$}", "GET /areas", "GET /areas/{code}", "GET /areas/{code}/data.csv", "GET /areas/{code}/comparators",
	"GET /scenarios", "GET /scenarios/new", "POST /scenarios", "GET /scenarios/{id}", "POST /scenarios/{id}",
	"POST /scenarios/{id}/runs", "GET /runs", "GET /runs/{id}", "GET /runs/{id}/status", "GET /runs/{id}/events",
	"GET /runs/{id}/data.csv", "GET /runs/{id}/export", "GET /compare", "GET /compare/data.csv",
	"GET /topics", "GET /topics/{topic}", "GET /topics/{topic}/data.csv", "GET /topics/{topic}/data.xlsx",
	"GET /login", "POST /login", "POST /logout", "GET /static/",
}

// site is the pages' state.
type site struct {
	d     Deps
	log   *slog.Logger
	pages map[string]*template.Template
	areas *areaIndex
	cache *projCache
}

// Register adds the planner pages to mux (the routes in Routes). Unsafe methods (the forms'
// POSTs) from other origins are refused (http.CrossOriginProtection), and every page sends a
// Content-Security-Policy that allows only this server's own scripts and styles. It panics if
// d.Backend or d.Auth is nil or a template does not parse (a broken build).
func Register(mux *http.ServeMux, d Deps) {
	if d.Backend == nil || d.Auth == nil {
		panic("web.Register: Deps.Backend or Deps.Auth is nil")
	}
	if d.RunEnd == nil {
		d.RunEnd = func(r store.Run) any {
			return service.RunProgress{ID: r.ID, Status: r.Status, Progress: r.Progress}
		}
	}
	if d.Version == "" {
		d.Version = "dev"
	}
	s := &site{d: d, log: d.Logger, areas: newAreaIndex(d.Areas), cache: newProjCache(48)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.pages = parsePages()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, nil, http.StatusForbidden, "Request refused", "This form was sent from another web site, so it was refused. Open the page on this server and send it again.")
	}))
	handle := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, cop.Handler(securityHeaders(h)))
	}
	handle("GET /{$}", s.home)
	handle("GET /areas", s.areaSearch)
	handle("GET /areas/{code}", s.areaOverview)
	handle("GET /areas/{code}/data.csv", s.areaData)
	handle("GET /areas/{code}/comparators", s.comparators)
	handle("GET /scenarios", s.scenarioList)
	handle("GET /scenarios/new", s.scenarioNew)
	handle("POST /scenarios", s.scenarioCreate)
	handle("GET /scenarios/{id}", s.scenarioView)
	handle("POST /scenarios/{id}", s.scenarioUpdate)
	handle("POST /scenarios/{id}/runs", s.scenarioRun)
	handle("GET /runs", s.runList)
	handle("GET /runs/{id}", s.runPage)
	handle("GET /runs/{id}/status", s.runStatus)
	handle("GET /runs/{id}/events", s.runEvents)
	handle("GET /runs/{id}/data.csv", s.runData)
	handle("GET /runs/{id}/export", s.runExport)
	handle("GET /compare", s.compare)
	handle("GET /compare/data.csv", s.compareData)
	handle("GET /topics", s.topicList)
	handle("GET /topics/{topic}", s.topicPage)
	handle("GET /topics/{topic}/data.csv", s.topicData)
	handle("GET /topics/{topic}/data.xlsx", s.topicData)
	handle("GET /login", s.loginPage)
	handle("POST /login", s.login)
	handle("POST /logout", s.logout)
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
}

// securityHeaders sets the headers every page sends.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(d.Seconds())))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// base is what every page's template gets.
type base struct {
	Title   string
	User    *Principal
	Section string // nav item to mark as current: areas, scenarios, runs, compare
	Version string
	Notice  string
}

// Base returns the common page data; templates read it through the embedding struct.
func (b *base) Base() *base { return b }

// parsePages parses each page template with the layout.
func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"num":       chart.Number,
		"signed":    chart.Signed,
		"value":     value,
		"signedval": signedValue,
		"pct":       pct,
		"label":     label,
		"short":     shortLabel,
		"unitwords": unitWords,
		"money":     money,
		"areatype":  func(t string) string { return areaTypeNames[t] },
		"percent":   func(v float64) int { return int(v*100 + 0.5) },
		"join":      strings.Join,
		// assumeArgs passes one assumption and the form to the "assumption" template.
		"assumeArgs": func(a assumption, f *scenarioForm) any {
			return struct {
				A    assumption
				Form *scenarioForm
			}{a, f}
		},
		"share":   func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
		"minus1":  func(n int) int { return n - 1 },
		"deref":   func(p *float64) float64 { return *p },
		"query":   url.QueryEscape,
		"lower":   strings.ToLower,
		"fmtTime": func(t time.Time) string { return t.Local().Format("2 Jan 2006 15:04") },
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return out
}

// render writes a page.
func (s *site) render(w http.ResponseWriter, r *http.Request, status int, page string, data interface{ Base() *base }) {
	b := data.Base()
	b.Version = s.d.Version
	if b.Title == "" {
		b.Title = "carecast"
	}
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "page", page, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error while drawing this page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorPage struct {
	base
	Heading, Message string
	Status           int
}

// fail renders an error page. p may be nil (not signed in).
func (s *site) fail(w http.ResponseWriter, r *http.Request, p *Principal, status int, heading, msg string) {
	s.render(w, r, status, "error", &errorPage{base: base{Title: heading, User: p}, Heading: heading, Message: msg, Status: status})
}

// failErr renders the error page that fits err: filter values not in a run's results (422),
// not found, forbidden, too many runs, damaged results, shutting down, or a logged internal error.
func (s *site) failErr(w http.ResponseWriter, r *http.Request, p *Principal, what string, err error) {
	var damaged *DamagedError
	var unknown *UnknownValueError
	switch {
	case errors.As(err, &unknown):
		s.fail(w, r, p, http.StatusUnprocessableEntity, "Not in this run's results", unknown.Detail)
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, p, http.StatusNotFound, "Not found", "There is no "+what+" here, or it belongs to another organisation.")
	case errors.Is(err, ErrForbidden):
		s.fail(w, r, p, http.StatusForbidden, "Not allowed", "Your API key has the viewer role: it can read but not create scenarios or start runs. Ask an administrator for a planner key.")
	case errors.Is(err, store.ErrTooManyRuns):
		w.Header().Set("Retry-After", "30")
		s.fail(w, r, p, http.StatusTooManyRequests, "Too many runs at once", "Your organisation already has as many unfinished runs as it may. Wait for one to finish, then try again.")
	case errors.Is(err, ErrRateLimited):
		w.Header().Set("Retry-After", "5")
		s.fail(w, r, p, http.StatusTooManyRequests, "Too many requests", "Too many requests were made in a short time — with your key, by your organisation, or from your address without a valid key. Wait a few seconds and reload the page.")
	case errors.As(err, &damaged):
		s.log.Error("page failed: damaged results", "path", r.URL.Path, "err", err)
		s.fail(w, r, p, http.StatusInternalServerError, "Results damaged",
			"The stored results of run "+damaged.RunID+" are damaged: the result file no longer matches the checksum recorded "+
				"when it was written (hash mismatch), so they are not shown. Run the scenario again to recreate them.")
	case errors.Is(err, ErrUnavailable):
		s.fail(w, r, p, http.StatusServiceUnavailable, "Server shutting down", "The server is shutting down. Try again in a minute.")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// the browser went away
	default:
		s.log.Error("page failed", "path", r.URL.Path, "what", what, "err", err)
		s.fail(w, r, p, http.StatusInternalServerError, "Something went wrong", "The server could not show this page. The problem has been logged; try again, or tell your administrator the time it happened.")
	}
}

// who identifies the person from the key cookie (or as the local user). When it cannot, it
// answers (a redirect to the login page, or an error page) and returns false.
func (s *site) who(w http.ResponseWriter, r *http.Request) (Principal, string, bool) {
	key := ""
	if c, err := r.Cookie(CookieName); err == nil {
		key = c.Value
	}
	p, err := s.d.Auth.Authenticate(r.Context(), key)
	switch {
	case err == nil:
		return p, key, true
	case errors.Is(err, ErrNoKey), errors.Is(err, ErrBadKey):
		q := url.Values{"next": {r.URL.RequestURI()}}
		if key != "" {
			clearKeyCookie(w, r)
			q.Set("expired", "1")
		}
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
	default:
		s.failErr(w, r, nil, "page", err)
	}
	return Principal{}, "", false
}

func setKeyCookie(w http.ResponseWriter, r *http.Request, key string) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: 12 * 3600})
}

func clearKeyCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: -1})
}

// localPath returns next if it is a path on this site, else "/".
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

type loginPage struct {
	base
	Next    string
	Expired bool
	Error   string
	Open    bool
}

func (s *site) loginPage(w http.ResponseWriter, r *http.Request) {
	d := &loginPage{base: base{Title: "Sign in"}, Next: localPath(r.URL.Query().Get("next")), Expired: r.URL.Query().Get("expired") != ""}
	if p, err := s.d.Auth.Authenticate(r.Context(), ""); err == nil && p.Open {
		d.Open = true
		d.User = &p
	}
	s.render(w, r, http.StatusOK, "login", d)
}

func (s *site) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, nil, http.StatusBadRequest, "Form not understood", "The form could not be read; go back and send it again.")
		return
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	next := localPath(r.PostForm.Get("next"))
	d := &loginPage{base: base{Title: "Sign in"}, Next: next}
	if key == "" {
		d.Error = "Enter your API key."
		s.render(w, r, http.StatusUnprocessableEntity, "login", d)
		return
	}
	p, err := s.d.Auth.Authenticate(r.Context(), key)
	switch {
	case errors.Is(err, ErrBadKey), errors.Is(err, ErrNoKey):
		d.Error = "That API key is not known here, or it was deleted. Check it and try again."
		s.render(w, r, http.StatusUnauthorized, "login", d)
		return
	case err != nil:
		s.failErr(w, r, nil, "sign in", err)
		return
	}
	s.log.Info("signed in to the pages", "org", p.OrgName, "key_id", p.KeyID)
	setKeyCookie(w, r, key)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *site) logout(w http.ResponseWriter, r *http.Request) {
	clearKeyCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// projCache keeps recent projections (one area each) so that moving between years and
// measures on a page does not project again.
type projCache struct {
	mu    sync.Mutex
	max   int
	order []string
	m     map[string]*projEntry
}

type projEntry struct {
	once      sync.Once
	rows      []forecast.ResultRow
	dataYears string // the data and years the rows rest on (Projector.DataYears)
	err       error
}

func newProjCache(n int) *projCache { return &projCache{max: n, m: map[string]*projEntry{}} }

// project returns the rows of sc from the cache or the Projector.
func (s *site) project(ctx context.Context, sc forecast.Scenario) ([]forecast.ResultRow, error) {
	rows, _, err := s.projection(ctx, sc)
	return rows, err
}

// projection returns the rows of sc and the data and years they rest on, from the cache or
// the Projector.
func (s *site) projection(ctx context.Context, sc forecast.Scenario) ([]forecast.ResultRow, string, error) {
	if s.d.Projector == nil {
		return nil, "", errNoProjector
	}
	k, err := json.Marshal(sc)
	if err != nil {
		return nil, "", err
	}
	c := s.cache
	c.mu.Lock()
	e := c.m[string(k)]
	if e == nil {
		e = &projEntry{}
		c.m[string(k)] = e
		c.order = append(c.order, string(k))
		if len(c.order) > c.max {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.mu.Unlock()
	e.once.Do(func() {
		// Not the request's context: the result is shared with later requests.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if e.rows, e.err = s.d.Projector.Project(pctx, sc); e.err == nil {
			e.dataYears, e.err = s.d.Projector.DataYears(sc)
		}
	})
	if e.err != nil {
		c.mu.Lock()
		if c.m[string(k)] == e {
			delete(c.m, string(k))
		}
		c.mu.Unlock()
	}
	return e.rows, e.dataYears, e.err
}

var errNoProjector = errors.New("no projector in this build")
