package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestKeysCommand(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := runKeys(ctx, args, &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errs := run("create", "--org", "trafford", "--role", "planner", "--name", "ci", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "cck_") || strings.Count(out, "\n") != 1 || !strings.Contains(errs, "shown only once") {
		t.Fatalf("create: %d %q %q", code, out, errs)
	}
	code, out, _ = run("list", "--org", "trafford", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "planner") || !strings.Contains(out, "ci") || strings.Contains(out, "cck_") {
		t.Fatalf("list: %d %q", code, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	if code, _, errs := run("delete", "--org", "sheffield", "--data-dir", dir, id); code != 1 {
		t.Errorf("delete from another organisation: %d %q", code, errs)
	}
	if code, _, errs := run("delete", "--org", "trafford", "--data-dir", dir, id); code != 0 {
		t.Errorf("delete: %d %q", code, errs)
	}
	for _, args := range [][]string{
		{}, {"create", "--org", "x", "--role", "owner"}, {"create", "--role", "admin"}, {"rotate", "--org", "x"},
		{"delete", "--org", "x"}, {"create", "--org", "x", "--role", "admin", "extra"}, {"list", "--bogus"},
	} {
		if code, _, _ := run(args...); code != 2 {
			t.Errorf("keys %v: exit %d, want 2", args, code)
		}
	}
}

func TestServeCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runServe(context.Background(), []string{"-h"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "-addr") {
		t.Errorf("serve -h: %d %q", code, out.String())
	}
	if code := runServe(context.Background(), []string{"--workers", "none"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "workers") {
		t.Errorf("bad flag: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := runServe(context.Background(), []string{"--addr", "0.0.0.0:0", "--data-dir", t.TempDir()}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "without API keys") {
		t.Errorf("non-loopback without keys: %d %q", code, errb.String())
	}

	// Serves on loopback until its context ends, then exits 0 (startLoopbackServer checks
	// the exit when the test ends).
	base := startLoopbackServer(t)
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("/healthz: %d", res.StatusCode)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader at a time.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
