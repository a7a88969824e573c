package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// Register adds the middleware (operation tagging, authentication, rate limits) and every
// operation to api: health at the root, the rest under /v1. Tests call it on humatest.New(t);
// Handler calls it on the real router.
func (s *Service) Register(api huma.API) {
	api.UseMiddleware(tagOperation, s.authenticate(api))
	s.registerHealth(api)
	v1 := huma.NewGroup(api, "/v1")
	s.registerWhoami(v1)
	s.registerScenarios(v1)
	s.registerRuns(v1)
	s.registerResults(v1)
	s.registerDatasets(v1)
	s.registerKeys(v1)
	s.registerAreas(v1)
	s.registerNeighbours(v1)
	s.registerBacktest(v1)
	s.registerTransparency(v1)
	s.registerTopics(v1)
}

// register registers one operation. role "" makes it public; otherwise it needs that role (and
// is documented as needing an API key). Every error the handler returns goes through toHTTP
// with what naming the operation's subject.
func register[I, O any](s *Service, api huma.API, op huma.Operation, what string, role store.Role, h func(context.Context, *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	if role != "" {
		op.Metadata[metaRole] = role
		op.Security = []map[string][]string{{"bearer": {}}, {"apiKey": {}}}
		op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests)
		if op.Description != "" {
			op.Description += "\n\n"
		}
		op.Description += "Needs the **" + string(role) + "** role (or higher)."
	}
	op.Errors = append(op.Errors, http.StatusInternalServerError)
	if op.Method != http.MethodGet && op.Method != http.MethodHead && !slices.Contains(op.Errors, http.StatusInsufficientStorage) {
		op.Errors = append(op.Errors, http.StatusInsufficientStorage) // a full disk (see toHTTP)
	}
	if op.MaxBodyBytes == 0 && s.cfg.MaxBodyBytes > 0 {
		op.MaxBodyBytes = s.cfg.MaxBodyBytes
	}
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.toHTTP(ctx, what, err)
		}
		return out, nil
	})
}

// PageParams are the paging query parameters of every list.
type PageParams struct {
	Limit  int    `query:"limit" minimum:"1" doc:"Most items to return (default 100); at most the server's page-size limit (default 1000), else 422."`
	Cursor string `query:"cursor" maxLength:"200" doc:"The next_cursor of the previous page; omit for the first page."`
}

// page checks the limit against the configured maximum.
func (s *Service) page(p PageParams) (store.Page, error) {
	limit := p.Limit
	if limit == 0 {
		limit = min(100, s.cfg.MaxPageSize)
	}
	if limit > s.cfg.MaxPageSize {
		return store.Page{}, huma.Error422UnprocessableEntity("page too large", &huma.ErrorDetail{
			Location: "query.limit", Value: p.Limit,
			Message: "must be at most " + strconv.Itoa(s.cfg.MaxPageSize),
		})
	}
	return store.Page{Limit: limit, Cursor: p.Cursor}, nil
}

// Document is a JSON object carried verbatim: a scenario document. Its schema is served at
// /v1/scenario-schema.
type Document json.RawMessage

// MarshalJSON implements json.Marshaler.
func (d Document) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("null"), nil
	}
	return d, nil
}

// UnmarshalJSON implements json.Unmarshaler; it keeps a copy of the bytes.
func (d *Document) UnmarshalJSON(b []byte) error {
	*d = append((*d)[:0], b...)
	return nil
}

// Schema implements huma.SchemaProvider.
func (Document) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{
		Type:                 huma.TypeObject,
		Description:          "A scenario document. Its JSON Schema is served at /v1/scenario-schema.",
		AdditionalProperties: true,
	}
}

// whoami

// Whoami describes the caller.
type Whoami struct {
	Organisation string     `json:"organisation" doc:"The caller's organisation."`
	Role         store.Role `json:"role" enum:"viewer,planner,admin" doc:"The caller's role."`
	KeyID        string     `json:"key_id,omitempty" doc:"The API key's ID; empty for the local user."`
	Open         bool       `json:"open" doc:"True when the server runs without API keys (loopback, no keys yet)."`
}

type whoamiOutput struct {
	Body Whoami
}

func (s *Service) registerWhoami(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "whoami", Method: http.MethodGet, Path: "/whoami", Tags: []string{"Keys"},
		Summary: "Who am I", Description: "Returns the organisation and role of the caller's API key.",
	}, "caller", store.RoleViewer, func(ctx context.Context, _ *struct{}) (*whoamiOutput, error) {
		p := caller(ctx)
		out := &whoamiOutput{}
		out.Body.Organisation, out.Body.Role, out.Body.KeyID, out.Body.Open = p.OrgName, p.Role, p.KeyID, p.KeyID == "" && s.svc.Open()
		return out, nil
	})
}

// health

// Health is the answer of /healthz and /readyz.
type Health struct {
	Status string `json:"status" example:"ok" doc:"ok"`
}

type healthOutput struct {
	Body Health
}

func (s *Service) registerHealth(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "healthz", Method: http.MethodGet, Path: "/healthz", Tags: []string{"Health"},
		Summary: "Liveness", Description: "Answers 200 while the process serves HTTP.",
	}, "health", "", func(context.Context, *struct{}) (*healthOutput, error) {
		out := &healthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})
	register(s, api, huma.Operation{
		OperationID: "readyz", Method: http.MethodGet, Path: "/readyz", Tags: []string{"Health"},
		Summary: "Readiness",
		Description: "Answers 200 when the database answers, the data directory has at least the configured free space " +
			"(min-free-bytes) and the server is not shutting down, else 503 with the reason.",
		Errors: []int{http.StatusServiceUnavailable},
	}, "readiness", "", func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		if s.draining() {
			return nil, huma.Error503ServiceUnavailable("shutting down")
		}
		pctx, cancel := context.WithTimeout(ctx, 2e9)
		defer cancel()
		if err := s.st.Ping(pctx); err != nil {
			s.log.Warn("readiness: database does not answer", "err", err)
			return nil, huma.Error503ServiceUnavailable("the database does not answer")
		}
		if msg := s.lowOnDisk(); msg != "" {
			return nil, huma.Error503ServiceUnavailable(msg)
		}
		out := &healthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})
}

// lowOnDisk says why the data directory has too little free space to be ready (below
// Config.MinFreeBytes), or returns "". A system that gives no free-space figure passes.
func (s *Service) lowOnDisk() string {
	if s.cfg.MinFreeBytes <= 0 {
		return ""
	}
	free, err := s.svc.FreeBytes()
	if errors.Is(err, service.ErrNoStatfs) {
		return ""
	}
	if err != nil {
		s.log.Warn("readiness: free space of the data directory", "err", err)
		return "the free space of the data directory cannot be read"
	}
	if free < uint64(s.cfg.MinFreeBytes) {
		s.log.Warn("readiness: data directory low on space", "free_bytes", free, "min_free_bytes", s.cfg.MinFreeBytes)
		return fmt.Sprintf("the data directory has %d bytes free, less than the %d the server needs (min-free-bytes)", free, s.cfg.MinFreeBytes)
	}
	return ""
}

// locateJSON turns a validator's location inside a document (a JSON Pointer such as
// "/levers/0/start", a JSONPath such as "$.levers[0].start" or a path such as
// "levers[0].start") into a Huma-style location under prefix: "body.levers[0].start".
func locateJSON(prefix, loc string) string {
	loc = strings.TrimSpace(loc)
	switch {
	case loc == "" || loc == "$" || loc == "/":
		return prefix
	case strings.HasPrefix(loc, "/"):
		var b strings.Builder
		b.WriteString(prefix)
		for _, seg := range strings.Split(loc[1:], "/") {
			seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
			if _, err := strconv.Atoi(seg); err == nil {
				b.WriteString("[" + seg + "]")
			} else {
				b.WriteString("." + seg)
			}
		}
		return b.String()
	case strings.HasPrefix(loc, "$"):
		return prefix + loc[1:]
	case strings.HasPrefix(loc, "["):
		return prefix + loc
	}
	return prefix + "." + loc
}

// locateAs places a dataset problem's location (e.g. "row 12, column age") after prefix.
func locateAs(prefix, loc string) string {
	if loc == "" {
		return prefix
	}
	return prefix + ": " + loc
}
