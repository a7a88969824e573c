package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindBinariesFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvBin, dir)
	if _, err := FindBinaries(); err == nil || !strings.Contains(err.Error(), EnvBin) {
		t.Fatalf("empty %s: %v, want an error naming it", EnvBin, err)
	}
	for _, name := range []string{"initdb", "postgres"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := FindBinaries(); err != nil || got != dir {
		t.Fatalf("FindBinaries = %q, %v; want %q", got, err, dir)
	}
}

func TestPgMajor(t *testing.T) {
	if got := pgMajor("/usr/lib/postgresql/17/bin"); got != 17 {
		t.Errorf("pgMajor = %d, want 17", got)
	}
}
