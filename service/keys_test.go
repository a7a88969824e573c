package service

import (
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/sqlite"
)

func newKeyService(t *testing.T, maxKeys int) *Service {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "carecast.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(t.Context(), Config{DataDir: dir, Workers: 1, OrgWorkers: 1, MaxKeysPerOrg: maxKeys}, st, Parts{},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(t.Context()) })
	return s
}

// TestKeysAndOpenMode follows a server from open mode to its first key, the cap on keys per
// organisation, and a deleted key that stops authenticating at once despite the cache.
func TestKeysAndOpenMode(t *testing.T) {
	ctx := t.Context()
	s := newKeyService(t, 2)
	if err := s.ServeOpen(ctx, "0.0.0.0:8080", false); err == nil {
		t.Fatal("ServeOpen off loopback with no keys: no error")
	}
	if _, err := s.Authenticate(ctx, ""); !errors.Is(err, ErrNoKey) {
		t.Fatalf("not open, no key: %v, want ErrNoKey", err)
	}
	if err := s.ServeOpen(ctx, "127.0.0.1:8080", true); err != nil {
		t.Fatal(err)
	}
	local, err := s.Authenticate(ctx, "")
	if err != nil || !local.Open || local.OrgName != LocalOrg || local.Role != store.RoleAdmin || local.KeyID != "" || !s.Open() {
		t.Fatalf("open mode: %+v, %v (Open %v)", local, err, s.Open())
	}

	viewer := Principal{OrgID: local.OrgID, OrgName: local.OrgName, Role: store.RoleViewer}
	if _, _, err := s.CreateKey(ctx, viewer, store.RoleViewer, "v"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("viewer creates a key: %v, want ErrForbidden", err)
	}
	if !s.Open() {
		t.Fatal("a refused key ended open mode")
	}
	k, secret, err := s.CreateKey(ctx, local, store.RolePlanner, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, ""); !errors.Is(err, ErrNoKey) || s.Open() {
		t.Fatalf("after the first key, no key: %v (Open %v), want ErrNoKey", err, s.Open())
	}
	p, err := s.Authenticate(ctx, secret)
	if err != nil || p.KeyID != k.ID || p.OrgID != local.OrgID || p.Role != store.RolePlanner || p.Open {
		t.Fatalf("Authenticate(secret) = %+v, %v", p, err)
	}
	if _, err := s.Authenticate(ctx, secret+"x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown key: %v, want store.ErrNotFound", err)
	}

	if _, _, err := s.CreateKey(ctx, local, store.RoleViewer, "second"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateKey(ctx, local, store.RoleViewer, "third"); !errors.Is(err, store.ErrTooManyKeys) {
		t.Fatalf("past MaxKeysPerOrg: %v, want store.ErrTooManyKeys", err)
	}
	ks, err := s.Keys(ctx, local)
	if err != nil || len(ks) != 2 || ks[0].ID != k.ID {
		t.Fatalf("Keys = %v, %v", ks, err)
	}
	if _, err := s.Keys(ctx, viewer); !errors.Is(err, ErrForbidden) {
		t.Fatalf("viewer lists keys: %v, want ErrForbidden", err)
	}

	if err := s.DeleteKey(ctx, local, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted key (cached a moment ago): %v, want store.ErrNotFound", err)
	}
	if err := s.DeleteKey(ctx, local, k.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete again: %v, want store.ErrNotFound", err)
	}
}
