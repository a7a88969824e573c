package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carecast/carecast/store"
)

// tmpfsDataDir mounts a tmpfs of size (e.g. "2m") and makes it the server's data directory,
// so the server's disk really fills up. It skips the test when it cannot mount (not root, or
// mounting not permitted here). The file system is unmounted when the test ends, after the
// server has closed.
func tmpfsDataDir(t *testing.T, size string) serverOpt {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs as a full disk")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); the full-disk test needs one", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return func(c *Config, _ *Deps) { c.DataDir = dir }
}

// TestUploadDiskFull uploads a file larger than the free space of the server's disk (a 2 MiB
// tmpfs). Before, the failed write answered 400 "the upload was interrupted". Now it answers
// 507 with a problem saying the disk is full and nothing was stored; the partial file is gone,
// the dataset uploaded before is still listed and its file intact, and an upload that fits
// works again.
func TestUploadDiskFull(t *testing.T) {
	ts := newTestServer(t, true, tmpfsDataDir(t, "2m"), func(c *Config, _ *Deps) {
		c.MaxUploadBytes = 16 << 20
		c.MinFreeBytes = 0
	})
	planner, viewer := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleViewer)
	content := "area_code,year,count\nE08000009,2024,235000\n"
	var before Dataset
	want(t, ts.do("POST", uploadPath("population", "before.csv"), planner, content), http.StatusCreated).json(t, &before)

	var big bytes.Buffer
	big.WriteString("area_code,year,count\n")
	for big.Len() < 4<<20 {
		big.WriteString("E08000019,2024,556000\n")
	}
	for _, body := range []struct {
		name string
		body any
	}{
		{"with Content-Length", big.Bytes()},
		{"chunked", strings.NewReader(big.String())}, // no length known in advance
	} {
		pr := want(t, ts.do("POST", uploadPath("population", "big.csv"), planner, body.body), http.StatusInsufficientStorage).problem(t)
		if pr.Status != http.StatusInsufficientStorage || !strings.Contains(pr.Detail, "disk is full") ||
			!strings.Contains(pr.Detail, "nothing was stored") {
			t.Errorf("%s: problem %+v", body.name, pr)
		}
		if left := files(t, ts, "tmp"); len(left) != 0 {
			t.Errorf("%s: partial files left in tmp/: %v", body.name, left)
		}
	}

	var list struct{ Items []Dataset }
	want(t, ts.do("GET", "/v1/datasets", viewer, nil), http.StatusOK).json(t, &list)
	n := 0
	for _, d := range list.Items {
		if !d.Builtin {
			n++
			if d.ID != before.ID {
				t.Errorf("unexpected dataset %+v", d)
			}
		}
	}
	if n != 1 {
		t.Fatalf("uploads listed after the full disk: %+v", list.Items)
	}
	var got Dataset
	want(t, ts.do("GET", "/v1/datasets/"+before.ID, viewer, nil), http.StatusOK).json(t, &got)
	stored := files(t, ts, "uploads")
	if len(stored) != 1 {
		t.Fatalf("stored files %v", stored)
	}
	b, err := os.ReadFile(filepath.Join(ts.cfg.DataDir, stored[0]))
	sum := sha256.Sum256(b)
	if err != nil || string(b) != content || got.ContentHash != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("the earlier upload after the full disk: %q, %v; described %+v", b, err, got)
	}
	// The space the refused uploads took is free again.
	want(t, ts.do("POST", uploadPath("population", "after.csv"), planner, content), http.StatusCreated)
}

// TestReadyzFreeSpace: /readyz answers 503 with the reason while the data directory (a 2 MiB
// tmpfs) has less free space than min-free-bytes, and 200 when the minimum is below what is
// free.
func TestReadyzFreeSpace(t *testing.T) {
	for _, tt := range []struct {
		name   string
		min    int64
		status int
	}{
		{"minimum above the free space", 4 << 20, http.StatusServiceUnavailable}, // more than the whole file system
		{"minimum below the free space", 64 << 10, http.StatusOK},
		{"no minimum", 0, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, false, tmpfsDataDir(t, "2m"), func(c *Config, _ *Deps) { c.MinFreeBytes = tt.min })
			r := want(t, ts.do("GET", "/readyz", "", nil), tt.status)
			if tt.status != http.StatusOK {
				if pr := r.problem(t); !strings.Contains(pr.Detail, "bytes free, less than the 4194304") {
					t.Errorf("problem %+v", pr)
				}
			}
		})
	}
}
