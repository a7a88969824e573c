package service

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
)

// flipFooterByte changes the last byte of needle's last occurrence in the Parquet footer of the
// file at path (as api's damaged-file tests do).
func flipFooterByte(t *testing.T, path string, needle string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[len(b)-4:]) != "PAR1" {
		t.Fatalf("%s is not a Parquet file", path)
	}
	n := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	start := len(b) - 8 - n
	i := bytes.LastIndex(b[start:len(b)-8], []byte(needle))
	if i < 0 {
		t.Fatalf("%q is not in the footer of %s", needle, path)
	}
	b[start+i+len(needle)-1] ^= 0x01
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestResultFileHashedOncePerOpen checks that a result file is hashed when it is opened, not
// on every request: a change made while it is open is not seen until the file is opened again
// (after close drops the open files), and then it is refused.
func TestResultFileHashedOncePerOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ResultFile)
	rows := func(yield func(forecast.ResultRow) bool) {
		for i := range 100 {
			if !yield(forecast.ResultRow{ScenarioID: "scn_x", RunID: "run_x", AreaCode: "E08000019", AreaName: "Sheffield",
				Year: 2025 + i%20, Measure: "need.total", Unit: "people", Sex: "all", AgeBand: "65+", Mean: float64(i)}) {
				return
			}
		}
	}
	hashes := map[string]string{}
	if err := writeResultFile(path, datasets.Provenance{RunID: "run_x", ScenarioID: "scn_x"}, rows, dir, hashes); err != nil {
		t.Fatal(err)
	}
	sum, err := fileHash(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum != hashes[ResultFile] || !validHash(sum) {
		t.Fatalf("hash %s, written as %s", sum, hashes[ResultFile])
	}
	c := newResultFiles()
	defer c.close()
	_, release, err := c.open(path, sum)
	if err != nil {
		t.Fatal(err)
	}
	release()
	flipFooterByte(t, path, "run_x")
	_, release, err = c.open(path, sum) // the open file, checked when it was opened
	if err != nil {
		t.Fatalf("second open of an open file: %v", err)
	}
	release()
	c.close()
	var hm *hashMismatch
	if _, _, err := c.open(path, sum); !errors.As(err, &hm) {
		t.Fatalf("reopening the changed file: %v, want a hash mismatch", err)
	}
	if _, release, err := c.open(path, ""); err != nil { // no recorded hash: read unchecked, as before
		t.Fatalf("opening without a hash: %v", err)
	} else {
		release()
	}
}
