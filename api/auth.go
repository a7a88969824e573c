package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// metaRole is the Operation.Metadata key holding the store.Role an operation needs. Operations
// without it are public (health, schema).
const metaRole = "carecast.role"

// keyPrefix starts every API key secret, so leaked keys are easy to recognise and scan for.
const keyPrefix = "cck_"

// principal is who is calling: an API key's organisation and role, or the local user.
type principal struct {
	KeyID   string // "" for the local user
	OrgID   string
	OrgName string
	Role    store.Role
}

type principalKey struct{}

// as returns p as the service sees it.
func (p principal) as() service.Principal {
	return service.Principal{OrgID: p.OrgID, OrgName: p.OrgName, Role: p.Role, KeyID: p.KeyID}
}

// caller returns the authenticated principal of a request. Operations that need a role only
// run after authenticate put one in the context.
func caller(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// NewKeySecret returns a new API key secret (cck_ + 43 base64url characters, 256 random bits)
// and the SHA-256 hash that is stored in its place.
func NewKeySecret() (secret string, hash [32]byte) {
	var b [32]byte
	rand.Read(b[:])
	secret = keyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, sha256.Sum256([]byte(secret))
}

// CreateKey creates an API key for the organisation called org (created if missing) with the
// given role and label, and returns the stored record and the secret, which exists nowhere
// else: show it once. It does not apply Config.MaxKeysPerOrg (the operator's CLI uses it).
func CreateKey(ctx context.Context, st store.Store, org string, role store.Role, name string) (store.Key, string, error) {
	return createKey(ctx, st, org, role, name, 0)
}

// createKey is CreateKey refused with store.ErrTooManyKeys when the organisation already has
// maxPerOrg keys (0: no limit).
func createKey(ctx context.Context, st store.Store, org string, role store.Role, name string, maxPerOrg int) (store.Key, string, error) {
	if !role.Valid() {
		return store.Key{}, "", errors.New("role must be viewer, planner or admin")
	}
	if strings.TrimSpace(org) == "" {
		return store.Key{}, "", errors.New("organisation name is empty")
	}
	o, err := st.EnsureOrg(ctx, org)
	if err != nil {
		return store.Key{}, "", err
	}
	secret, hash := NewKeySecret()
	k := store.Key{ID: store.NewID("key"), OrgID: o.ID, OrgName: o.Name, Name: name, Role: role, Hash: hash,
		Created: time.Now().UTC().Truncate(time.Microsecond)}
	if err := st.CreateKey(ctx, k, maxPerOrg); err != nil {
		return store.Key{}, "", err
	}
	return k, secret, nil
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
	if key == "" {
		if s.open.Load() && s.stillOpen(ctx.Context()) {
			return principal{OrgID: s.localOrg.ID, OrgName: s.localOrg.Name, Role: store.RoleAdmin}, 0, ""
		}
		return principal{}, http.StatusUnauthorized, "an API key is required: send `Authorization: Bearer <key>` or `X-API-Key: <key>`"
	}
	p, err := s.lookupKey(ctx.Context(), key)
	if errors.Is(err, store.ErrNotFound) {
		return principal{}, http.StatusUnauthorized, "unknown or deleted API key"
	}
	if err != nil {
		id := info(ctx.Context()).id
		s.log.Error("look up API key", "request_id", id, "err", err)
		return principal{}, http.StatusInternalServerError, "internal error; quote request " + id + " when reporting it"
	}
	return p, 0, ""
}

// lookupKey finds the holder of an API key, from the key cache when it can; store.ErrNotFound
// means no such key. The API and the web pages both authenticate through it.
func (s *Service) lookupKey(ctx context.Context, key string) (principal, error) {
	hash := sha256.Sum256([]byte(key))
	if p, ok := s.keys.get(hash); ok {
		return p, nil
	}
	k, err := s.st.KeyByHash(ctx, hash)
	if err != nil {
		return principal{}, err
	}
	p := principal{KeyID: k.ID, OrgID: k.OrgID, OrgName: k.OrgName, Role: k.Role}
	s.keys.put(hash, p)
	return p, nil
}

// keyCacheTTL is how long a looked-up key is trusted without asking the store again. A key
// deleted through this server stops working at once (the cache is cleared); one deleted by
// another process (carecast keys delete) stops within keyCacheTTL.
const keyCacheTTL = 2 * time.Second

// keyCache remembers recently authenticated keys, so that a busy client does not cost a
// database query per request.
type keyCache struct {
	mu sync.Mutex
	m  map[[32]byte]cachedKey
}

type cachedKey struct {
	p     principal
	until time.Time
}

func (c *keyCache) get(h [32]byte) (principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[h]
	if !ok || time.Now().After(k.until) {
		return principal{}, false
	}
	return k.p, true
}

func (c *keyCache) put(h [32]byte, p principal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[[32]byte]cachedKey{}
	}
	c.m[h] = cachedKey{p, time.Now().Add(keyCacheTTL)}
}

func (c *keyCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

const openCheckEvery = time.Second

// stillOpen reports whether the server may go on serving without keys: it stops (for good) as
// soon as any key exists, whoever created it.
func (s *Service) stillOpen(ctx context.Context) bool {
	// Ask the store at most every openCheckEvery: a key made by another process (carecast keys
	// create) ends open mode within that time.
	now := time.Now().UnixNano()
	if last := s.openChecked.Load(); now-last < int64(openCheckEvery) && last != 0 {
		return s.open.Load()
	}
	s.openChecked.Store(now)
	n, err := s.st.CountKeys(ctx)
	if err != nil || n > 0 {
		if s.open.Swap(false) && err == nil {
			s.log.Warn("an API key now exists: the server requires API keys from now on")
		}
		return false
	}
	return true
}
