package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// metaRole is the Operation.Metadata key holding the store.Role an operation needs. Operations
// without it are public (health, schema).
const metaRole = "carecast.role"

// principal is who is calling: an API key's organisation and role, or the local user.
type principal = service.Principal

type principalKey struct{}

// caller returns the authenticated principal of a request. Operations that need a role only
// run after authenticate put one in the context.
func caller(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// presentedKey returns the API key a request carries in Authorization: Bearer or X-API-Key,
// "" if none, or an error if the headers are malformed or disagree.
func presentedKey(ctx huma.Context) (string, error) {
	var bearer string
	if h := ctx.Header("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return "", errors.New("the Authorization header must be `Bearer <key>`")
		}
		bearer = strings.TrimSpace(token)
	}
	header := strings.TrimSpace(ctx.Header("X-API-Key"))
	if bearer != "" && header != "" && bearer != header {
		return "", errors.New("the Authorization and X-API-Key headers carry different keys")
	}
	if bearer != "" {
		return bearer, nil
	}
	return header, nil
}

// authenticate is the Huma middleware that enforces each operation's role: it identifies the
// caller by API key (or as the local user when the server runs open), checks the role, applies
// the rate limits (per key and per organisation; per client address for requests without a
// valid key, which get 429 instead of 401 past it) and puts the principal in the context.
func (s *Service) authenticate(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		need, ok := ctx.Operation().Metadata[metaRole].(store.Role)
		if !ok {
			next(ctx)
			return
		}
		tooMany := func(r *rateRefusal) {
			ctx.SetHeader("Retry-After", r.retryAfter())
			huma.WriteErr(api, ctx, http.StatusTooManyRequests, r.detail)
		}
		p, status, msg := s.identify(ctx)
		if status != 0 {
			if status == http.StatusUnauthorized {
				if r := s.allowAnon(ctx.Context()); r != nil {
					tooMany(r)
					return
				}
				ctx.SetHeader("WWW-Authenticate", `Bearer realm="carecast"`)
			}
			huma.WriteErr(api, ctx, status, msg)
			return
		}
		if ri, ok := ctx.Context().Value(reqInfoKey{}).(*reqInfo); ok {
			ri.org = p.OrgName
		}
		if r := s.allowCaller(p); r != nil {
			tooMany(r)
			return
		}
		if !p.Role.Allows(need) {
			huma.WriteErr(api, ctx, http.StatusForbidden, "this needs the "+string(need)+" role; your key has "+string(p.Role))
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	}
}

// identify returns the caller, or an HTTP status and message saying why not.
func (s *Service) identify(ctx huma.Context) (principal, int, string) {
	key, err := presentedKey(ctx)
	if err != nil {
		return principal{}, http.StatusUnauthorized, err.Error()
	}
	p, err := s.svc.Authenticate(ctx.Context(), key)
	switch {
	case errors.Is(err, service.ErrNoKey):
		return principal{}, http.StatusUnauthorized, "an API key is required: send `Authorization: Bearer <key>` or `X-API-Key: <key>`"
	case errors.Is(err, store.ErrNotFound):
		return principal{}, http.StatusUnauthorized, "unknown or deleted API key"
	case err != nil:
		id := info(ctx.Context()).id
		s.log.Error("look up API key", "request_id", id, "err", err)
		return principal{}, http.StatusInternalServerError, "internal error; quote request " + id + " when reporting it"
	}
	return p, 0, ""
}
