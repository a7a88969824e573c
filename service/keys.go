package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/carecast/carecast/store"
)

// KeyPrefix starts every API key secret, so leaked keys are easy to recognise and scan for.
const KeyPrefix = "cck_"

// LocalOrg is the organisation of the single local user when the server runs open (on
// loopback, before any API key exists).
const LocalOrg = "local"

// ErrNoKey is Authenticate's error when no secret is presented and the service does not run
// open.
var ErrNoKey = errors.New("an API key is required")

// NewKeySecret returns a new API key secret (cck_ + 43 base64url characters, 256 random bits)
// and the SHA-256 hash that is stored in its place.
func NewKeySecret() (secret string, hash [32]byte) {
	var b [32]byte
	rand.Read(b[:])
	secret = KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, sha256.Sum256([]byte(secret))
}

// CreateKey creates an API key in st for the organisation called org (created if missing) with
// the given role and label, and returns the stored record and the secret, which exists nowhere
// else: show it once. It applies no cap on keys per organisation (the operator's CLI uses it);
// Service.CreateKey does.
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

func admin(p Principal) error {
	if !p.Role.Allows(store.RoleAdmin) {
		return ErrForbidden
	}
	return nil
}

// CreateKey creates an API key with role and label name for p's organisation and returns the
// record and its secret (show it once). It needs the admin role (ErrForbidden) and returns
// store.ErrTooManyKeys when the organisation already has Config.MaxKeysPerOrg keys. A key
// made here ends open mode at once.
func (s *Service) CreateKey(ctx context.Context, p Principal, role store.Role, name string) (store.Key, string, error) {
	if err := admin(p); err != nil {
		return store.Key{}, "", err
	}
	k, secret, err := createKey(ctx, s.st, p.OrgName, role, name, s.cfg.MaxKeysPerOrg)
	s.openChecked.Store(0)
	if err != nil {
		return store.Key{}, "", err
	}
	if s.open.Load() {
		s.stillOpen(ctx)
	}
	return k, secret, nil
}

// Keys returns p's organisation's API keys, oldest first. It needs the admin role.
func (s *Service) Keys(ctx context.Context, p Principal) ([]store.Key, error) {
	if err := admin(p); err != nil {
		return nil, err
	}
	return s.st.ListKeys(ctx, p.OrgID)
}

// DeleteKey deletes p's organisation's API key id (store.ErrNotFound if it has none of that
// ID); it stops authenticating at once. It needs the admin role.
func (s *Service) DeleteKey(ctx context.Context, p Principal, id string) error {
	if err := admin(p); err != nil {
		return err
	}
	defer s.keys.clear()
	return s.st.DeleteKey(ctx, p.OrgID, id)
}

// Authenticate returns the holder of the API key secret, from a short-lived cache when it can
// (see keyCacheTTL). With secret "" it returns the local user (organisation LocalOrg, role
// admin, Open) while the service runs open (ServeOpen) and no key exists, and ErrNoKey
// otherwise. An unknown or deleted key is store.ErrNotFound.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if secret == "" {
		if s.open.Load() && s.stillOpen(ctx) {
			return Principal{OrgID: s.localOrg.ID, OrgName: s.localOrg.Name, Role: store.RoleAdmin, Open: true}, nil
		}
		return Principal{}, ErrNoKey
	}
	hash := sha256.Sum256([]byte(secret))
	if p, ok := s.keys.get(hash); ok {
		return p, nil
	}
	k, err := s.st.KeyByHash(ctx, hash)
	if err != nil {
		return Principal{}, err
	}
	p := Principal{KeyID: k.ID, OrgID: k.OrgID, OrgName: k.OrgName, Role: k.Role}
	s.keys.put(hash, p)
	return p, nil
}

// ServeOpen decides whether the service runs open, serving the single local user without
// keys: it does when the store has no API key and loopback is true (it logs a warning), and
// returns an error when the store has no key and loopback is false (addr names the address in
// the message). Open mode ends for good as soon as any key exists, whoever created it.
func (s *Service) ServeOpen(ctx context.Context, addr string, loopback bool) error {
	nkeys, err := s.st.CountKeys(ctx)
	if err != nil {
		return fmt.Errorf("count API keys: %w", err)
	}
	if nkeys > 0 {
		return nil
	}
	if !loopback {
		return fmt.Errorf("refusing to serve on %s without API keys: create one with "+
			"`carecast keys create --org NAME --role admin`, or listen on loopback (127.0.0.1)", addr)
	}
	if s.localOrg, err = s.st.EnsureOrg(ctx, LocalOrg); err != nil {
		return fmt.Errorf("create the local organisation: %w", err)
	}
	s.open.Store(true)
	s.log.Warn("no API keys exist: serving WITHOUT authentication as a single local user "+
		"(organisation local, role admin) on loopback only; create a key to require keys",
		"addr", addr)
	return nil
}

// Open reports whether the service still runs open (as last checked; see ServeOpen).
func (s *Service) Open() bool { return s.open.Load() }

// keyCacheTTL is how long a looked-up key is trusted without asking the store again. A key
// deleted through this service stops working at once (the cache is cleared); one deleted by
// another process (carecast keys delete) stops within keyCacheTTL.
const keyCacheTTL = 2 * time.Second

// keyCache remembers recently authenticated keys, so that a busy client does not cost a
// database query per request.
type keyCache struct {
	mu sync.Mutex
	m  map[[32]byte]cachedKey
}

type cachedKey struct {
	p     Principal
	until time.Time
}

func (c *keyCache) get(h [32]byte) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[h]
	if !ok || time.Now().After(k.until) {
		return Principal{}, false
	}
	return k.p, true
}

func (c *keyCache) put(h [32]byte, p Principal) {
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

// stillOpen reports whether the service may go on serving without keys: it stops (for good)
// as soon as any key exists, whoever created it.
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
